import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The process dies mid-ingest (SIGKILL of wrangler and workerd, as a crash or an OOM kill would):
 * the local queue's messages are gone with it. Restarted on the same state, every event that was
 * answered 200 and matches a campaign still yields exactly one send, and no send stays `sending`.
 */
const PEOPLE = 120;
// Short so the test waits seconds, not minutes, for the outbox to re-send what the queue lost.
const VARS = { OUTBOX_RESEND_MS: "3000", CONFIG_PROPAGATION_MS: "300" };

let worker: LocalWorker | undefined;
let persistDir: string | undefined;
afterAll(async () => {
  await worker?.stop();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

async function json<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe("crash recovery", () => {
  it("every acknowledged event yields exactly one send after a kill -9 and a restart", async () => {
    worker = await startLocalWorker({ vars: VARS });
    persistDir = worker.persistDir;
    const created = await json<{ appId: string; writeKey: string; adminKey: string }>(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "crash", settings: { identityVerification: "off" } }),
    });
    const app = created.body;
    const adminHeaders = { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" };
    const sdkHeaders = {
      authorization: `Basic ${Buffer.from(`${app.writeKey}:`).toString("base64")}`,
      "content-type": "application/json",
    };
    const campaign = await json<{ id: string }>(`${worker.url}/admin/campaigns`, {
      method: "POST",
      headers: adminHeaders,
      body: JSON.stringify({
        name: "Receipt",
        transactional: true,
        trigger: { type: "event", event: "Order Completed" },
        steps: [
          {
            type: "message",
            id: "receipt",
            channels: ["email"],
            content: { email: { subject: "Receipt {{ event.order }}", text: "Thanks" } },
          },
        ],
      }),
    });
    expect(
      (
        await json(`${worker.url}/admin/campaigns/${campaign.body.id}/activate`, {
          method: "POST",
          headers: adminHeaders,
        })
      ).status,
    ).toBe(200);
    const people = Array.from({ length: PEOPLE }, (_, i) => `crash-${i}`);
    await pool(people, 8, async (userId) => {
      const r = await fetch(`${worker!.url}/v1/devices`, {
        method: "POST",
        headers: sdkHeaders,
        body: JSON.stringify({ userId, email: `${userId}@example.com`, consent: { email: "opted_in" } }),
      });
      expect(r.status).toBe(200);
    });

    // Orders, and a kill while they are still coming in.
    const acknowledged: string[] = [];
    let sentCount = 0;
    const orders = pool(people, 6, async (userId) => {
      sentCount++;
      try {
        const r = await fetch(`${worker!.url}/v1/track`, {
          method: "POST",
          headers: sdkHeaders,
          body: JSON.stringify({
            userId,
            event: "Order Completed",
            messageId: `order-${userId}`,
            properties: { order: userId },
          }),
        });
        if (r.status === 200) acknowledged.push(userId);
      } catch {
        // the server died under this request: not acknowledged
      }
    });
    while (sentCount < PEOPLE / 2) await new Promise((r) => setTimeout(r, 20));
    await worker.kill();
    await orders;
    expect(acknowledged.length).toBeGreaterThan(10);
    expect(acknowledged.length).toBeLessThan(PEOPLE);

    worker = await startLocalWorker({ persistDir, vars: VARS });
    const deadline = Date.now() + 100_000;
    let sends: Array<{ userId: string; status: string; idempotencyKey: string }> = [];
    for (;;) {
      sends = [];
      let before: string | null = null;
      do {
        const page: { body: { sends: typeof sends; next: string | null } } = await json(
          `${worker.url}/admin/sends?limit=500${before ? `&before=${encodeURIComponent(before)}` : ""}`,
          { headers: adminHeaders },
        );
        sends.push(...page.body.sends);
        before = page.body.next;
      } while (before);
      const done = acknowledged.every((u) => sends.some((s) => s.userId === u && s.status === "sent"));
      if ((done && !sends.some((s) => s.status === "sending")) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const missing = acknowledged.filter((u) => !sends.some((s) => s.userId === u && s.status === "sent"));
    expect(missing, `acknowledged orders without a send (${missing.length} of ${acknowledged.length})`).toEqual([]);
    // Exactly one per person: never a second send for the same order, acknowledged or not.
    const perPerson = new Map<string, number>();
    for (const s of sends) perPerson.set(s.userId, (perPerson.get(s.userId) ?? 0) + 1);
    expect([...perPerson.values()].filter((n) => n > 1)).toEqual([]);
    expect(sends.filter((s) => s.status === "sending")).toEqual([]);
  });
});
