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

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
