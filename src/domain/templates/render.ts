import { Liquid, LiquidError, type FilterImplOptions, type Template } from "liquidjs";

/**
 * Message personalization with Liquid (the `liquidjs` implementation, the same
 * language Braze and Shopify use). Pure and synchronous: it runs inside the
 * UserObject's storage transaction at send time, so there is no I/O here.
 *
 * - Templates are validated when a campaign is saved (`validateTemplate`): syntax
 *   errors, unknown tags and unknown filters are reported with line and column.
 * - At send time missing variables render empty, so `{{ user.first_name | default: "there" }}`
 *   is the way to give a fallback.
 * - Output is plain text (push titles, SMS bodies are not HTML); with `{ html: true }`
 *   every `{{ … }}` output is HTML-escaped, and `| raw` opts a trusted value out.
 */

/** Everything a template can read. */
export interface TemplateVars {
  /** The person's traits (`first_name`, `email`, custom attributes…) plus `id`. */
  user: Record<string, unknown>;
  /** Properties of the event that triggered the journey (empty for broadcasts). */
  event: Record<string, unknown>;
  campaign: { id: string; name: string; variant: string };
  app: { id: string };
  /** Send time as an ISO-8601 string, so `{{ now | date: "%Y" }}` works. */
  now: string;
}

export interface RenderOptions {
  /** Escape every variable output for HTML (email bodies). */
  html?: boolean;
}

export type TemplateValidation = { ok: true } | { ok: false; message: string; line?: number; col?: number };

/** Raised by `renderTemplate` when a (previously valid) template fails at render time, e.g. a memory limit. */
export class TemplateRenderError extends Error {
  override readonly name = "TemplateRenderError";
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}

/** Tags that read other templates from a file system; Beckon has no partials, so they are not part of the language. */
const FILE_TAGS = ["include", "render", "layout", "block"] as const;

/**
 * Bounds that keep a hostile or buggy template from exhausting the isolate. The parse
 * limit is above the largest content field a campaign accepts (email HTML, 500 KB); the
 * memory limit counts what loops, ranges and joins allocate; the render limit is a
 * wall-clock guard where the host clock advances (Workers freeze it during execution,
 * there the CPU limit of the request is the guard).
 */
const PARSE_LIMIT_CHARS = 1_000_000;
const MEMORY_LIMIT = 10_000_000;
const RENDER_LIMIT_MS = 1_000;

function createEngine(html: boolean): Liquid {
  const engine = new Liquid({
    // Unknown filters must fail when the campaign is saved, not silently print nothing.
    strictFilters: true,
    // Missing traits are normal (not every user has a first name): render empty.
    strictVariables: false,
    // Never read inherited properties such as `constructor` from user data.
    ownPropertyOnly: true,
    // Lookups of partials resolve against an empty in-memory map, never a file system.
    templates: {},
    outputEscape: html ? "escape" : undefined,
    parseLimit: PARSE_LIMIT_CHARS,
    memoryLimit: MEMORY_LIMIT,
    renderLimit: RENDER_LIMIT_MS,
    // The `date` filter formats in UTC, whatever the host's zone (Workers run in UTC anyway).
    timezoneOffset: 0,
  });
  for (const tag of FILE_TAGS) delete (engine.tags as Record<string, unknown>)[tag];
  useSendTimeForNow(engine);
  return engine;
}

/** Filters that accept the literal "now" / "today" (liquidjs reads the host clock for them). */
const DATE_FILTERS = ["date", "date_to_xmlschema", "date_to_rfc822", "date_to_string", "date_to_long_string"] as const;

/**
 * `{{ "now" | date: "%Y" }}` must mean the send time (the `now` variable), not the host
 * clock: sends run under a virtual clock in tests, and a deferred send renders later
 * than it was decided.
 */
function useSendTimeForNow(engine: Liquid): void {
  for (const name of DATE_FILTERS) {
    const original: FilterImplOptions | undefined = engine.filters[name];
    if (typeof original !== "function") continue;
    engine.registerFilter(
      name,
      function (this: ThisParameterType<typeof original>, value: unknown, ...args: unknown[]) {
        const sendTime = value === "now" || value === "today" ? this.context.getSync(["now"]) : undefined;
        return original.call(this, typeof sendTime === "string" ? sendTime : value, ...args);
      },
    );
  }
}

// Built on first use, not at module load: the two engines were ~10 ms of the startup profile, and most isolates
// (SDK ingest, admin reads) never render or validate a template.
let textEngine: Liquid | undefined;
let htmlEngine: Liquid | undefined;
const engineFor = (html: boolean): Liquid =>
  html ? (htmlEngine ??= createEngine(true)) : (textEngine ??= createEngine(false));

/**
 * LRU of parsed templates, bounded by count and by total source size (email HTML can
 * be hundreds of KB; an isolate has 128 MB). A Map keeps insertion order, and
 * re-inserting on a hit moves the key to the end.
 */
class TemplateCache {
  private readonly entries = new Map<string, Template[]>();
  private chars = 0;
  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(source: string): Template[] | undefined {
    const hit = this.entries.get(source);
    if (hit !== undefined) {
      this.entries.delete(source);
      this.entries.set(source, hit);
    }
    return hit;
  }

  set(source: string, parsed: Template[]): void {
    if (source.length > this.maxChars) return;
    if (this.entries.has(source)) this.entries.delete(source);
    else this.chars += source.length;
    this.entries.set(source, parsed);
    while (this.entries.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

const textCache = new TemplateCache(500, 4_000_000);
const htmlCache = new TemplateCache(200, 8_000_000);

/** Number of parsed templates currently cached (for tests and diagnostics). */
export function cachedTemplateCount(): number {
  return textCache.size + htmlCache.size;
}

/** Only strings with Liquid markup need the engine; plain copy is returned as is (the common case for titles). */
function hasMarkup(source: string): boolean {
  return source.includes("{{") || source.includes("{%");
}

function position(err: unknown): { line?: number; col?: number } {
  if (err instanceof LiquidError && err.token) {
    const [line, col] = err.token.getPosition();
    return { line, col };
  }
  return {};
}

/** LiquidJS appends ", line:1, col:5" and a source excerpt to its messages; keep the first line, which names the problem. */
function describe(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const first = raw.split("\n")[0] ?? raw;
  return first.replace(/, line:\d+, col:\d+$/, "").trim() || "invalid template";
}

/**
 * Checks a template when it is saved: syntax, unknown tags (`{% foo %}`), unknown
 * filters (`{{ x | no_such_filter }}`) and file tags (`include`, `render`).
 */
export function validateTemplate(source: string): TemplateValidation {
  if (!hasMarkup(source)) return { ok: true };
  try {
    engineFor(false).parse(source);
    return { ok: true };
  } catch (err) {
    return { ok: false, message: describe(err), ...position(err) };
  }
}

function parsed(source: string, html: boolean): Template[] {
  const cache = html ? htmlCache : textCache;
  const hit = cache.get(source);
  if (hit) return hit;
  try {
    const templates = engineFor(html).parse(source);
    cache.set(source, templates);
    return templates;
  } catch (err) {
    const at = position(err);
    throw new TemplateRenderError(describe(err), at.line, at.col);
  }
}

/** Renders one template string. Throws `TemplateRenderError` if it cannot (the engine records that as the suppression reason). */
export function renderTemplate(source: string, vars: TemplateVars, opts: RenderOptions = {}): string {
  if (!hasMarkup(source)) return source;
  const html = opts.html === true;
  const templates = parsed(source, html);
  try {
    return String(engineFor(html).renderSync(templates, vars));
  } catch (err) {
    const at = position(err);
    throw new TemplateRenderError(describe(err), at.line, at.col);
  }
}

export interface RenderContentOptions {
  /** Keys whose string values are HTML and get escaped output. Default `["html"]` (email bodies). */
  htmlKeys?: readonly string[];
}

/**
 * Renders every string inside a message content object — title, body, subject,
 * html, deepLink, the values of `data`, strings inside arrays — keeping its shape.
 * Object keys are never rendered. Strings under an `htmlKeys` key are rendered
 * with HTML escaping.
 */
export function renderContent<T>(content: T, vars: TemplateVars, opts: RenderContentOptions = {}): T {
  const htmlKeys = new Set(opts.htmlKeys ?? ["html"]);
  const walk = (value: unknown, html: boolean): unknown => {
    if (typeof value === "string") return renderTemplate(value, vars, { html });
    if (Array.isArray(value)) return value.map((item) => walk(item, html));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = walk(item, html || htmlKeys.has(key));
      return out;
    }
    return value;
  };
  return walk(content, false) as T;
}

/**
 * Every template string inside a content object, with its path, validated at once
 * (used by campaign save to report `content.title: unknown filter "upcasee"`).
 */
export function validateContent(
  content: unknown,
  path = "",
): { path: string; message: string; line?: number; col?: number }[] {
  const problems: { path: string; message: string; line?: number; col?: number }[] = [];
  const walk = (value: unknown, at: string): void => {
    if (typeof value === "string") {
      const result = validateTemplate(value);
      if (!result.ok) {
        const { ok: _ok, ...rest } = result;
        problems.push({ path: at, ...rest });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, at ? `${at}.${i}` : String(i)));
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) walk(item, at ? `${at}.${key}` : key);
    }
  };
  walk(content, path);
  return problems;
}

/** `pt_BR`, `PT-br` → `pt-br` for comparison. */
function normalizeLocale(locale: string): string {
  return locale.trim().replace(/_/g, "-").toLowerCase();
}

/**
 * Picks the content variant for a person's locale:
 * 1. exact match (`pt-BR`; case and `_`/`-` are ignored),
 * 2. the bare language (`pt`),
 * 3. another region of the same language (`pt-PT` for a `pt-BR` person) — a Portuguese
 *    reader is better served by Portuguese than by the default language,
 * 4. the `fallback` key (`"default"`),
 * 5. the first variant, so a campaign saved without a default still sends something.
 * Throws only if there are no variants at all.
 */
export function pickLocale<T>(variants: Record<string, T>, locale: string | null, fallback = "default"): T {
  const keys = Object.keys(variants);
  if (keys.length === 0) throw new RangeError("pickLocale: no content variants");
  const byNormalized = new Map<string, string>();
  for (const key of keys) if (!byNormalized.has(normalizeLocale(key))) byNormalized.set(normalizeLocale(key), key);
  const get = (key: string | undefined): T | undefined => (key === undefined ? undefined : variants[key]);

  if (locale && locale.trim()) {
    const wanted = normalizeLocale(locale);
    const exact = get(byNormalized.get(wanted));
    if (exact !== undefined) return exact;
    const language = wanted.split("-")[0] ?? wanted;
    const bare = get(byNormalized.get(language));
    if (bare !== undefined) return bare;
    const sibling = keys.find((key) => normalizeLocale(key).split("-")[0] === language && key !== fallback);
    if (sibling !== undefined) return variants[sibling] as T;
  }
  const byFallback = variants[fallback] ?? get(byNormalized.get(normalizeLocale(fallback)));
  if (byFallback !== undefined) return byFallback;
  return variants[keys[0] as string] as T;
}
