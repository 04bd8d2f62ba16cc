import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Call, OfflineQueue } from "../../sdk/core/queue";
import { MemoryStorage } from "./helpers/memory-storage";

const call = (n: number): Call => ({
  type: "track",
  event: `E${n}`,
  messageId: `m${n}`,
  timestamp: new Date(0).toISOString(),
});
const options = (storage: Storage, flushAt = 3) => ({
  url: "https://beckon.test/v1/batch",
  writeKey: "wk",
  storage,
  storageKey: "q",
  flushAt,
  flushInterval: 2000,
  maxQueued: 5,
});

describe("SDK offline queue", () => {
  let sent: Array<{ batch: Call[]; writeKey: string }>;
  let status: number | "offline";
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    status = 200;
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      if (status === "offline") throw new TypeError("Failed to fetch");
      sent.push(JSON.parse(String(init.body)));
      return new Response("{}", { status });
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("batches calls, sends at flushAt or after the interval, with the write key in the body", async () => {
    const q = new OfflineQueue(options(new MemoryStorage() as Storage));
    q.push(call(1));
    q.push(call(2));
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.batch.map((c) => c.messageId)).toEqual(["m1", "m2"]);
    expect(sent[0]!.writeKey).toBe("wk");
    q.push(call(3));
    q.push(call(4));
    q.push(call(5));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent[1]!.batch).toHaveLength(3);
    expect(q.size).toBe(0);
  });

  it("persists while offline, retries with backoff, and survives a reload", async () => {
    const storage = new MemoryStorage() as Storage;
    status = "offline";
    const q = new OfflineQueue(options(storage, 100));
    q.push(call(1));
    q.push(call(2));
    await q.flush();
    expect(q.size).toBe(2);
    expect(JSON.parse(storage.getItem("q")!)).toHaveLength(2);
    // Server errors are retried too.
    status = 503;
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.size).toBe(2);

    // "Reload": a new queue over the same storage sends what was left.
    status = 200;
    const reloaded = new OfflineQueue(options(storage, 100));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.at(-1)!.batch.map((c) => c.messageId)).toEqual(["m1", "m2"]);
    expect(reloaded.size).toBe(0);
    expect(storage.getItem("q")).toBeNull();
  });

  it("drops a batch the server rejected as invalid instead of looping, and keeps only the newest calls", async () => {
    const q = new OfflineQueue(options(new MemoryStorage() as Storage, 100));
    status = 400;
    q.push(call(1));
    await q.flush();
    expect(q.size).toBe(0);
    status = "offline";
    for (let i = 0; i < 8; i++) q.push(call(i));
    expect(q.size).toBe(5);
  });
});
