/**
 * A small validator for the provider specs in test/fixtures/specs: OpenAPI 3.x schemas
 * (Resend, SendGrid, Twilio, WhatsApp) and Google Discovery schemas (FCM v1). It checks what
 * matters for "the request is exactly what the provider documents": types, required fields,
 * enums/consts, array bounds, discriminated unions, and — for Discovery documents, where the
 * API rejects unknown fields — that every property exists in the schema.
 */
type Schema = Record<string, unknown>;

export class SpecValidator {
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly mode: "openapi" | "discovery",
  ) {}

  /** A schema by name (`components.schemas.X` or Discovery `schemas.X`) or by JSON pointer. */
  schema(ref: string): Schema {
    if (this.mode === "discovery" && !ref.startsWith("#")) return (this.doc.schemas as Record<string, Schema>)[ref]!;
    let node: unknown = this.doc;
    for (const part of ref.replace(/^#\//, "").split("/"))
      node = (node as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (!node) throw new Error(`unresolved $ref ${ref}`);
    return node as Schema;
  }

  validate(value: unknown, schema: Schema | string): string[] {
    const errors: string[] = [];
    this.check(value, typeof schema === "string" ? this.schema(schema) : schema, "$", errors);
    return errors;
  }

  /** Property names a schema declares, through $ref and allOf. */
  private declared(schema: Schema): string[] {
    if (typeof schema.$ref === "string") return this.declared(this.schema(schema.$ref));
    const own = Object.keys((schema.properties ?? {}) as object);
    return [...own, ...((schema.allOf ?? []) as Schema[]).flatMap((s) => this.declared(s))];
  }

  /**
   * `siblings`: properties declared by the other members of an enclosing allOf. The specs use
   * `allOf: [Base, {additionalProperties: false, …}]` meaning "no fields beyond Base and these",
   * so those count as known.
   */
  private check(value: unknown, schema: Schema, path: string, errors: string[], siblings: string[] = []): void {
    if (typeof schema.$ref === "string") return this.check(value, this.schema(schema.$ref), path, errors, siblings);
    if (Array.isArray(schema.allOf)) {
      const all = this.declared(schema);
      for (const s of schema.allOf as Schema[]) this.check(value, s, path, errors, [...siblings, ...all]);
    }
    const union = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
    if (union) {
      const disc = schema.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
      if (disc && value && typeof value === "object") {
        const tag = (value as Record<string, unknown>)[disc.propertyName];
        const target = disc.mapping?.[String(tag)];
        if (!target)
          errors.push(
            `${path}.${disc.propertyName}: ${JSON.stringify(tag)} is not one of ${Object.keys(disc.mapping ?? {}).join(", ")}`,
          );
        else this.check(value, this.schema(target), path, errors);
      } else if (!union.some((s) => this.validate(value, s).length === 0)) {
        errors.push(`${path}: matches none of the ${schema.oneOf ? "oneOf" : "anyOf"} alternatives`);
      }
    }
    if (value === null) {
      if (schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes("null"))) return;
      if (schema.type) errors.push(`${path}: null is not allowed`);
      return;
    }
    if ("const" in schema && value !== schema.const)
      errors.push(`${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
    if (Array.isArray(schema.enum) && !schema.enum.includes(value))
      errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
    const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []) as string[];
    if (types.length > 0 && !types.some((t) => typeOk(value, t))) {
      errors.push(`${path}: expected ${types.join("|")}, got ${Array.isArray(value) ? "array" : typeof value}`);
      return;
    }
    if (typeof value === "string") {
      if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
        errors.push(`${path}: longer than ${schema.maxLength}`);
      if (typeof schema.minLength === "number" && value.length < schema.minLength)
        errors.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === "number" && value.length < schema.minItems)
        errors.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
        errors.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((v, i) => this.check(v, schema.items as Schema, `${path}[${i}]`, errors));
      return;
    }
    if (value && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${path}.${r}: required`);
      for (const [k, v] of Object.entries(obj)) {
        if (props[k]) this.check(v, props[k]!, `${path}.${k}`, errors);
        else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
          this.check(v, schema.additionalProperties as Schema, `${path}.${k}`, errors);
        else if (siblings.includes(k)) continue;
        else if (schema.additionalProperties === false || (this.mode === "discovery" && schema.properties))
          errors.push(`${path}.${k}: unknown field`);
      }
    }
  }
}

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return !!value && typeof value === "object" && !Array.isArray(value);
    case "null":
      return value === null;
    default:
      return true;
  }
}
