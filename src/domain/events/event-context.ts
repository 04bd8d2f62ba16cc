import * as z from "zod";

/**
 * The `context` of a Segment / RudderStack call, as Beckon keeps it (docs/api.md "Context kept").
 * Only the fields below are kept, each bounded, so what a public write key sends cannot grow
 * a person's storage: strings are cut at their bound (a long URL or user agent is real data,
 * not an error), numbers and ids that clients send as either (`app.build: 57`) become strings,
 * and a known field of the wrong type (`context.os: "iOS"`) is a 400 naming it. Unknown keys
 * are ignored. `context.device.token` is not kept here: it registers a push device instead.
 */
export const CONTEXT_LIMITS = {
  /** Most names and versions. */
  short: 64,
  /** Device ids, app names and namespaces, page titles, campaign values. */
  medium: 256,
  userAgent: 512,
  /** Page url. */
  url: 1024,
  /** Page path, search, referrer. */
  path: 512,
  /** `context.campaign` keys kept (the five UTM ones first), a key's length, a value's. */
  campaignKeys: 10,
  campaignKey: 32,
  campaignValue: 128,
} as const;

const text = (max: number) =>
  z
    .union([z.string(), z.number().finite()])
    .nullish()
    .transform((v) => (v === null || v === undefined || v === "" ? undefined : String(v).slice(0, max)));
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? undefined);
const size = z
  .number()
  .finite()
  .min(0)
  .max(1_000_000)
  .nullish()
  .transform((v) => v ?? undefined);
// Unknown keys are stripped (never errors, never kept): clients add many.
const part = <T extends z.ZodRawShape>(shape: T) => z.object(shape).nullish();

const S = CONTEXT_LIMITS;
const CampaignInput = z.record(z.string(), z.unknown()).nullish();
const UTM_KEYS = ["name", "source", "medium", "term", "content"];
const RUDDERSTACK_JS_NAMESPACE = "com.rudderlabs.javascript";

/** The context fields Beckon reads; the rest is stripped. */
export const ContextInput = z.object({
  timezone: z.string().max(64).optional(),
  locale: z.string().max(35).optional(),
  ip: z.string().max(64).optional(),
  userAgent: text(S.userAgent),
  traits: z.record(z.string(), z.unknown()).optional(),
  library: part({ name: text(S.short), version: text(S.short) }),
  page: part({
    path: text(S.path),
    referrer: text(S.path),
    search: text(S.path),
    title: text(S.medium),
    url: text(S.url),
  }),
  device: part({
    id: text(S.medium),
    manufacturer: text(S.short),
    model: text(S.short),
    name: text(S.medium),
    type: text(S.short),
    token: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().min(8).max(4096).optional()),
  }),
  os: part({ name: text(S.short), version: text(S.short) }),
  app: part({ name: text(S.medium), version: text(S.short), build: text(S.short), namespace: text(S.medium) }),
  network: part({ carrier: text(S.short), wifi: flag, cellular: flag, bluetooth: flag }),
  campaign: CampaignInput,
  screen: part({ width: size, height: size, density: size }),
});
export type ContextInput = z.infer<typeof ContextInput>;

type Part = Record<string, string | number | boolean>;
/** What each stored event keeps of its context (and the profile its last-known parts). */
export interface EventContext {
  userAgent?: string;
  library?: Part;
  page?: Part;
  device?: Part;
  os?: Part;
  app?: Part;
  network?: Part;
  campaign?: Record<string, string>;
  screen?: Part;
  locale?: string;
  timezone?: string;
}
export const CONTEXT_PARTS = ["library", "page", "device", "os", "app", "network", "screen"] as const;

/** Keeps the defined values of a part; undefined when none is left. */
function compact(obj: Record<string, unknown> | null | undefined, drop: readonly string[] = []): Part | undefined {
  if (!obj) return undefined;
  const out: Part = {};
  for (const [k, v] of Object.entries(obj))
    if (
      v !== undefined &&
      v !== null &&
      !drop.includes(k) &&
      (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    )
      out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** UTM fields first, then other string keys, at most CONTEXT_LIMITS.campaignKeys. */
function campaignOf(raw: Record<string, unknown> | null | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  const keys = [
    ...UTM_KEYS.filter((k) => Object.hasOwn(raw, k)),
    ...Object.keys(raw).filter((k) => !UTM_KEYS.includes(k)),
  ];
  for (const k of keys) {
    if (Object.keys(out).length >= S.campaignKeys) break;
    const v = raw[k];
    if (k.length === 0 || k.length > S.campaignKey || (typeof v !== "string" && typeof v !== "number") || v === "")
      continue;
    out[k] = String(v).slice(0, S.campaignValue);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The bounded context an event keeps; undefined when nothing is left. */
export function keptContext(ctx: ContextInput): EventContext | undefined {
  const out: EventContext = {};
  if (ctx.userAgent) out.userAgent = ctx.userAgent;
  for (const name of CONTEXT_PARTS) {
    const kept = compact(ctx[name] as Record<string, unknown> | null | undefined, name === "device" ? ["token"] : []);
    // RudderStack JS reports itself as `context.app`: it is the SDK, not the person's app (its version would pass for app.version).
    if (kept && !(name === "app" && kept.namespace === RUDDERSTACK_JS_NAMESPACE)) out[name] = kept;
  }
  const campaign = campaignOf(ctx.campaign);
  if (campaign) out.campaign = campaign;
  if (ctx.locale) out.locale = ctx.locale;
  if (ctx.timezone) out.timezone = ctx.timezone;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A push token reported the way Segment's mobile libraries do (`context.device.token`), with the
 * platform from `context.device.type` (`ios` / `android`), else `context.os.name`. `platform` is
 * null when neither names iOS or Android: the token is then not registered (the timeline says why).
 */
export interface ContextPushToken {
  token: string;
  platform: "ios" | "android" | null;
}

const IOS_NAMES = new Set(["ios", "ipados", "iphone os"]);

export function pushTokenOf(ctx: ContextInput): ContextPushToken | undefined {
  const token = ctx.device?.token;
  if (!token) return undefined;
  const type = ctx.device?.type?.toLowerCase();
  const os = ctx.os?.name?.toLowerCase();
  const platform =
    type === "ios" || type === "android" ? type : os && IOS_NAMES.has(os) ? "ios" : os === "android" ? "android" : null;
  return { token, platform };
}
