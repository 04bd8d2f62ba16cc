/** JSON values: what crosses RPC and storage. (`unknown` is not RPC-serializable in the stub types.) */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * JSON Merge Patch (RFC 7396): members of `patch` replace those of `target`, objects merge
 * recursively, `null` deletes a member, and anything that is not an object (arrays included)
 * replaces the whole value.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Whether a value is JSON, as `JSON.parse` yields it: lets a parsed body's records be typed `Json` without a cast. */
export function isJson(v: unknown): v is Json {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object":
      if (v === null) return true;
      return Array.isArray(v) ? v.every(isJson) : isJsonObject(v);
    default:
      return false;
  }
}

export function isJsonObject(v: unknown): v is JsonObject {
  return isPlainObject(v) && Object.values(v).every(isJson);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
