import { DomainError } from "../../kernel/errors";

/**
 * Bounds on what one request may carry (docs/segments.md "Limits"). Deeply nested JSON parses fine but
 * overflows the stack of every recursive consumer after it (zod, JSON.stringify, the profile
 * and export views), so it is refused before parsing, on every route.
 */
export const MAX_JSON_DEPTH = 32;
/** Admin bodies (campaigns, settings, segments); the GeoJSON import has its own, larger limit. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

/** The deepest nesting of objects and arrays in a JSON text, scanning without recursion; stops early past `stopAt`. */
export function jsonDepth(text: string, stopAt = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > deepest && (deepest = depth) > stopAt) return deepest;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--;
  }
  return deepest;
}

/** Throws the documented 400 when a JSON text nests deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(text: string): void {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new DomainError(
      400,
      "too_deep",
      `body nests objects and arrays deeper than the limit of ${MAX_JSON_DEPTH} levels`,
      [{ field: "(body)", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    );
}
