/**
 * Semantic version order for conditions like "app version below 3.2" (`app.version lt "3.2"`):
 * as strings "3.10" < "3.2", and as numbers 3.10 = 3.1. Rules (SemVer 2.0 precedence, relaxed
 * for what apps report): an optional leading `v`; 1–4 numeric parts compared left to right, a
 * missing part counting as 0 (3.2 = 3.2.0); a pre-release (`-beta.1`) sorts before its release,
 * its dot-separated identifiers compared numerically when both are numbers, else as text;
 * build metadata (`+57`) is ignored. A filter value must have a dot or the `v` (`"3.2"`, `"v3"`),
 * so a number written as a string (`"100"`) stays the mistake it was.
 */
const VERSION_RE = /^v?(\d{1,9}(?:\.\d{1,9}){0,3})(?:-([0-9A-Za-z][0-9A-Za-z.-]{0,63}))?(?:\+[0-9A-Za-z.-]{1,64})?$/;

interface Version {
  parts: number[];
  pre: string[] | null;
}

function parse(s: string): Version | null {
  const m = VERSION_RE.exec(s.trim());
  if (!m) return null;
  return { parts: m[1]!.split(".").map(Number), pre: m[2] ? m[2].split(".") : null };
}

/** Whether a filter value reads as a version (it has a dot or a leading `v`). */
export function isVersionValue(value: unknown): value is string {
  return typeof value === "string" && (value.includes(".") || /^v\d/.test(value)) && parse(value) !== null;
}

/** Negative, zero or positive like a sort comparator; null when `a` is not a version (a number counts, as its digits). */
export function compareVersions(a: unknown, b: string): number | null {
  const x =
    typeof a === "string" ? parse(a) : typeof a === "number" && Number.isFinite(a) && a >= 0 ? parse(String(a)) : null;
  const y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (!x.pre || !y.pre) return x.pre ? -1 : y.pre ? 1 : 0;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined || q === undefined) return p === undefined ? -1 : 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
