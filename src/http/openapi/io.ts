/**
 * zod-to-openapi writes one schema per zod type, with input semantics: a field with a
 * `.default()` is optional (not in `required`). That is right for request bodies but wrong for
 * responses, where the field is always there. This pass gives responses output semantics
 * (defaulted fields required) and keeps the input-side copy as `<Name>Input` for requests
 * wherever the two differ, so generated clients get optional fields in what they send and
 * required ones in what they read. Input-only components carry defaults as descriptions (see
 * `defaultsToDescriptions`), so any openapi-typescript settings give the same optionality.
 */
type Json = unknown;
type Obj = Record<string, Json>;
type Doc = { paths?: Record<string, Record<string, Obj>>; components?: { schemas?: Record<string, Obj> } };

const isObj = (v: Json): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** Keys holding data, not schemas: never walked. */
const DATA_KEYS = new Set(["example", "examples", "default", "enum", "const"]);
const REF = "#/components/schemas/";

function walk(node: Json, visit: (o: Obj) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!isObj(node)) return;
  visit(node);
  for (const [k, v] of Object.entries(node)) if (!DATA_KEYS.has(k)) walk(v, visit);
}

function refsIn(node: Json): Set<string> {
  const out = new Set<string>();
  walk(node, (o) => {
    if (typeof o.$ref === "string" && o.$ref.startsWith(REF)) out.add(o.$ref.slice(REF.length));
  });
  return out;
}

function closure(roots: Set<string>, schemas: Record<string, Obj>): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name) || !schemas[name]) continue;
    seen.add(name);
    todo.push(...refsIn(schemas[name]));
  }
  return seen;
}

/** Output semantics, in place: every property with a `default` is required. Returns whether anything changed. */
function requireDefaults(node: Json): boolean {
  let changed = false;
  walk(node, (o) => {
    if (!isObj(o.properties)) return;
    const required = Array.isArray(o.required) ? (o.required as string[]) : [];
    for (const [name, prop] of Object.entries(o.properties)) {
      if (isObj(prop) && "default" in prop && !required.includes(name)) {
        required.push(name);
        changed = true;
      }
    }
    if (required.length) o.required = required;
  });
  return changed;
}

/**
 * Input semantics that survive any generator: openapi-typescript (by default) types a component
 * property with a `default` as always present, even where the component is only sent. In
 * components read as requests, the default moves into the description ("Default: …").
 */
function defaultsToDescriptions(node: Json): void {
  walk(node, (o) => {
    if (!isObj(o.properties)) return;
    for (const prop of Object.values(o.properties)) {
      if (!isObj(prop) || !("default" in prop)) continue;
      const note = `Default: \`${JSON.stringify(prop.default)}\`.`;
      prop.description =
        typeof prop.description === "string" && prop.description ? `${prop.description} ${note}` : note;
      delete prop.default;
    }
  });
}

function renameRefs(node: Json, renamed: Set<string>): void {
  walk(node, (o) => {
    if (typeof o.$ref === "string" && o.$ref.startsWith(REF) && renamed.has(o.$ref.slice(REF.length)))
      o.$ref = `${o.$ref}Input`;
  });
}

export function splitInputOutput(doc: Doc): void {
  const schemas = doc.components?.schemas ?? {};
  const requestParts: Json[] = [];
  const responseParts: Json[] = [];
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      if (!isObj(op)) continue;
      requestParts.push(op.requestBody, op.parameters);
      responseParts.push(op.responses);
    }
  }
  const inputNames = closure(new Set(requestParts.flatMap((p) => [...refsIn(p)])), schemas);
  const outputNames = closure(new Set(responseParts.flatMap((p) => [...refsIn(p)])), schemas);

  // Components read in both directions whose output form differs get an input twin.
  const twins = new Set<string>();
  for (const name of outputNames) {
    if (!inputNames.has(name)) continue;
    const output = structuredClone(schemas[name]);
    if (requireDefaults(output)) twins.add(name);
  }
  // A component that references a twin differs too (its reference will be renamed).
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of inputNames)
      if (outputNames.has(name) && !twins.has(name) && [...refsIn(schemas[name])].some((r) => twins.has(r)))
        twins.add(name), (grew = true);
  }
  for (const name of twins) {
    schemas[`${name}Input`] = structuredClone(schemas[name]!);
    // An example written for the schema is one a client sends: it lacks the defaulted fields the output form requires.
    delete schemas[name]!.example;
  }
  for (const name of outputNames) requireDefaults(schemas[name]);
  for (const name of inputNames) {
    const input = twins.has(name) ? schemas[`${name}Input`] : outputNames.has(name) ? undefined : schemas[name];
    renameRefs(twins.has(name) ? schemas[`${name}Input`] : schemas[name], twins);
    if (input) defaultsToDescriptions(input);
  }
  for (const part of requestParts) renameRefs(part, twins);
  for (const part of responseParts) requireDefaults(part);
}
