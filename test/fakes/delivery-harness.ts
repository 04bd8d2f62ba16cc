/**
 * Worker-side helpers for delivery tests: drive `consumeSends` with real message batches,
 * point providers at the loopback fakes, and read what the fakes saw.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { consumeSends } from "../../src/delivery/consumer";
import { consumeDeadLetters } from "../../src/delivery/dead-letter-consumer";
import type { ConsumerDeps } from "../../src/delivery/planned-send";
import type { SendJob } from "../../src/domain/delivery/send-job";
import type { Env } from "../../src/env";
import type { FakeCredentials, RecordedRequest } from "./provider-fake";

type TestEnv = Env & Record<string, unknown>;
export const testEnv = env as unknown as TestEnv;
/** This test file's namespace on the shared fake server (files run in parallel). */
const NAMESPACE = crypto.randomUUID().slice(0, 8);
export const fakeUrl = () => `${String(testEnv.PROVIDER_FAKE_URL)}/t/${NAMESPACE}`;

export async function fake<T = unknown>(path: string, json?: unknown): Promise<T> {
  const res = await fetch(`${fakeUrl()}${path}`, {
    method: "POST",
    ...(json !== undefined ? { body: JSON.stringify(json), headers: { "content-type": "application/json" } } : {}),
  });
  return (await res.json()) as T;
}
export const resetFake = () => fake("/_fake/reset");
export const credentials = () => fake<FakeCredentials>("/_fake/credentials");
export const fakeState = () =>
  fake<{ requests: RecordedRequest[]; inbox: Record<string, Array<Record<string, unknown>>>; tokenExchanges: number }>(
    "/_fake/state",
  );
export const script = (
  provider: string,
  responses: Array<{
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    hang?: boolean;
    delayMs?: number;
  }>,
) => fake("/_fake/script", { provider, responses });

/** The Worker's env plus every provider's credentials, with base URLs on the fake. */
export async function providerEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const c = await credentials();
  return {
    ...testEnv,
    FCM_SERVICE_ACCOUNT_JSON: c.serviceAccountJson,
    FCM_BASE_URL: c.baseUrl,
    APNS_TEAM_ID: c.apns.teamId,
    APNS_KEY_ID: c.apns.keyId,
    APNS_PRIVATE_KEY: c.apns.privateKey,
    APNS_TOPIC: c.apns.topic,
    APNS_BASE_URL: c.baseUrl,
    TWILIO_ACCOUNT_SID: c.twilio.accountSid,
    TWILIO_AUTH_TOKEN: c.twilio.authToken,
    TWILIO_FROM: c.twilio.from,
    TWILIO_BASE_URL: c.baseUrl,
    RESEND_API_KEY: c.resendKey,
    RESEND_BASE_URL: c.baseUrl,
    SENDGRID_API_KEY: c.sendgridKey,
    SENDGRID_BASE_URL: c.baseUrl,
    EMAIL_FROM: "Beckon Shop <hello@shop.example>",
    WHATSAPP_TOKEN: c.whatsapp.token,
    WHATSAPP_PHONE_NUMBER_ID: c.whatsapp.phoneNumberId,
    WHATSAPP_BASE_URL: c.baseUrl,
    WEBHOOK_SIGNING_SECRET: c.webhookSecret,
    DELIVERY_TIMEOUT_MS: "1500",
    PUBLIC_URL: "https://beckon.example",
    // Rate limits are exercised by their own test; elsewhere they would defer sends between tests.
    ...Object.fromEntries(
      ["FCM", "APNS", "WEBPUSH", "TWILIO", "RESEND", "SENDGRID", "WHATSAPP", "WEBHOOK"].map((p) => [
        `RATE_LIMIT_${p}`,
        "off",
      ]),
    ),
    ...overrides,
  };
}

let seq = 0;
export function sendJob(over: Partial<SendJob> & Pick<SendJob, "appId" | "userId">): SendJob {
  seq++;
  return {
    idempotencyKey: `camp-1:step-1:${Date.now()}-${seq}`,
    userObject: `${over.appId}/u/${over.userId}`,
    campaignId: "camp-1",
    campaignVersion: 1,
    stepId: "step-1",
    variant: "A",
    channel: "email",
    to: { kind: "email", email: "ada@example.com" },
    content: { subject: "Hello", html: "<p>Hi Ada</p>", text: "Hi Ada" },
    category: "marketing",
    createdAt: Date.now(),
    ...over,
  };
}

export interface BatchResult {
  acked: string[];
  retried: Array<{ msgId: string; delaySeconds?: number }>;
}

let msgSeq = 0;
/** Runs one SENDS batch through the consumer; `attempts` per message as the queue would count them. */
export async function runSends(
  jobs: SendJob[],
  e: TestEnv,
  deps: ConsumerDeps = {},
  attempts = 1,
  ids?: string[],
): Promise<BatchResult & { ids: string[] }> {
  const messageIds = ids ?? jobs.map(() => `msg-${++msgSeq}`);
  const batch = createMessageBatch<SendJob>(
    "beckon-sends",
    jobs.map((body, i) => ({ id: messageIds[i]!, timestamp: Date.now(), attempts, body })),
  );
  // getQueueResult does not report retry delays: capture them on the way through.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    Object.defineProperty(m, "retry", {
      value: (opts?: QueueRetryOptions) => (delays.set(m.id, opts?.delaySeconds), retry(opts)),
    });
  }
  const ctx = createExecutionContext();
  await consumeSends(batch, e, deps);
  const result = await getQueueResult(batch, ctx);
  return {
    acked: result.explicitAcks,
    retried: result.retryMessages.map((r) => ({ msgId: r.msgId, delaySeconds: delays.get(r.msgId) })),
    ids: messageIds,
  };
}

export async function runDeadLetters(jobs: SendJob[], e: TestEnv, ids?: string[]): Promise<BatchResult> {
  const batch = createMessageBatch<SendJob>(
    "beckon-sends-dlq",
    jobs.map((body, i) => ({ id: ids?.[i] ?? `dlq-${++msgSeq}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await consumeDeadLetters(batch, e);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages };
}

/** Campaign stats of one send, by kind. */
export async function statsOf(idempotencyKey: string): Promise<Record<string, number>> {
  const { results } = await testEnv.DB.prepare(
    `SELECT kind, COUNT(*) AS n FROM campaign_stats WHERE dedupe_key LIKE ? GROUP BY kind`,
  )
    .bind(`${idempotencyKey}:%`)
    .all<{ kind: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.kind, r.n]));
}

export async function deliveryRows(idempotencyKey: string) {
  const { results } = await testEnv.DB.prepare(`SELECT * FROM deliveries WHERE idempotency_key = ? ORDER BY target`)
    .bind(idempotencyKey)
    .all<Record<string, unknown>>();
  return results;
}

/**
 * The env with a USER namespace whose objects fail the named RPC methods (e.g. `setConsent`,
 * `invalidateDevice`) as an unreachable Durable Object would; every other method reaches the real object.
 */
export function withFailingUserObject(e: TestEnv, failing: string[]): TestEnv {
  const real = e.USER;
  const USER = {
    getByName(name: string) {
      const stub = real.getByName(name) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy({} as Record<string, unknown>, {
        get: (_t, method: string) =>
          method === "then"
            ? undefined
            : failing.includes(method)
              ? async () => {
                  throw new Error(`UserObject ${method} unavailable (test)`);
                }
              : (...args: unknown[]) => stub[method]!(...args),
      });
    },
  };
  return { ...e, USER: USER as unknown as TestEnv["USER"] };
}

/** A request to the Worker's HTTP app under a given env (e.g. one whose UserObjects fail). */
export async function callWith(e: TestEnv, path: string, init: RequestInit = {}): Promise<Response> {
  const { createApp } = await import("../../src/http/app");
  const { BASE } = await import("../helpers/api");
  return createApp().fetch(new Request(BASE + path, init), e, createExecutionContext());
}
