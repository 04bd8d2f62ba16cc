import type { UserApi } from "./engine/user-api";
import type { SendJob } from "./domain/delivery/send-job";
import type { IndexUpdate } from "./domain/messages/index-update";
import type { RateLimiter } from "./delivery/rate-limiter";

/** A Pipelines stream binding: `send` resolves once the records are ingested. */
export interface ExportStream {
  send(records: Array<Record<string, unknown>>): Promise<void>;
}

/** Bindings and configuration of the Beckon Worker (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  USER: DurableObjectNamespace<UserApi>;
  SENDS: Queue<SendJob>;
  INDEX: Queue<IndexUpdate>;
  /** Event export bucket (src/domain/analytics/export.ts); without it nothing is exported. */
  EXPORTS?: R2Bucket;
  /** "true": export applied events to EXPORTS (off by default: it adds an outbox message per ingest call). */
  EXPORT_EVENTS?: string;
  /** "parquet": export files are Parquet unless an app's `exportFormat` says otherwise (default NDJSON gzip). */
  EXPORT_FORMAT?: string;
  /** Cloudflare Pipelines streams of the export, one per kind (optional `[[pipelines]]` bindings; docs/analytics.md). */
  PIPELINE_EVENTS?: ExportStream;
  PIPELINE_DECISIONS?: ExportStream;
  PIPELINE_SENDS?: ExportStream;
  PIPELINE_DELIVERIES?: ExportStream;
  SENDS_DLQ: Queue<SendJob>;
  /** Token buckets per provider account (delivery rate limits). */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** Operator token (wrangler secret): creates apps and keys. Unset → the operator API is closed. */
  OPERATOR_TOKEN?: string;
  /** How long an edge may serve a cached key/config version, and how long config changes wait before answering (ms, default 3000). */
  CONFIG_PROPAGATION_MS?: string;
  /** How long a send job may go unreported before the person's outbox enqueues it again (ms, default 60000). */
  OUTBOX_RESEND_MS?: string;
  /** Local setting: the sandbox provider reports simulated receipts, e.g. "delivered=0.95,opened=0.4,clicked=0.25" (src/delivery/sandbox-receipts.ts). */
  SANDBOX_RECEIPTS?: string;
  /** Public base URL of this deployment; provider signatures (Twilio) are computed over it. */
  PUBLIC_URL?: string;
  /** "true" only in tests and benchmarks: honours the X-Beckon-Clock header (virtual time). */
  ALLOW_VIRTUAL_CLOCK?: string;
  /** Encrypts HS256 identity secrets at rest (wrangler secret). Unset → a fixed development key (docs/api.md "Identity verification"). */
  IDENTITY_KEYS_SECRET?: string;
  /** "true" only where the demo runs (`npm start`): mounts `POST /demo/token`, which mints user tokens for the demo app only. */
  DEMO_TOKENS?: string;
  /** The demo app's user-token secret for `POST /demo/token` (default: a fixed development value). */
  DEMO_USER_TOKEN_SECRET?: string;
  /** Workers Static Assets (`public/`): the operator console (/console) and the API reference (/docs). Absent where the Worker runs without assets. */
  ASSETS?: Fetcher;
  /** Cloudflare Access team (`myteam` or `myteam.cloudflareaccess.com`): with ACCESS_AUD, a `Cf-Access-Jwt-Assertion` is verified (docs/console.md "Cloudflare Access"). */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's audience (AUD) tag. */
  ACCESS_AUD?: string;
  /** Deployment-wide email → role rules, JSON `{"roles": {"*@example.com": "viewer"}, "approvers": ["ada@example.com"]}` (under each app's `access` setting). */
  ACCESS_ROLES?: string;
  /** Tests only: where the team's certs are fetched instead of `https://<team>/cdn-cgi/access/certs` (a loopback fake). */
  ACCESS_CERTS_URL?: string;
  /** Index shards (docs/scale.md): a JSON array of D1 bindings or `{binding, since, until, weight}`, or a comma list. Unset: everything in `DB`. */
  INDEX_SHARDS?: string;
  /** Send queues (docs/scale.md): producer bindings, comma-separated, each person's jobs on one by hash. Unset: `SENDS`. */
  SEND_QUEUES?: string;
  /** Seconds between a person's counter-only users-index writes (default 60; docs/scale.md "Index write budget"). */
  INDEX_COUNTER_INTERVAL_S?: string;
  /** "true" only in benchmarks: mounts the floor route /v1/_floor. */
  BENCH_ROUTES?: string;
}

type BeckonEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends BeckonEnv {}
  }
}
