import { afterEach, describe, expect, it, vi } from "vitest";
import { InAppState } from "../../sdk/core/inapp";
import type { PendingMessage } from "../../sdk/core/rules";
import { MemoryStorage } from "./helpers/memory-storage";

/** The display state both SDKs draw from: order, display rules, pacing, shown once per device. */
const key = (k: string) => `beckon:t:${k}`;
const msg = (
  k: string,
  extra: Partial<PendingMessage> = {},
  content: Record<string, unknown> = {},
): PendingMessage => ({
  key: k,
  campaignId: "c",
  priority: 50,
  createdAt: 1,
  expiresAt: Date.now() + 60_000,
  content: { type: "modal", ...content },
  ...extra,
});
const view = (messages: PendingMessage[], minIntervalSeconds = 0) => ({
  messages,
  notBefore: null,
  minIntervalSeconds,
});

afterEach(() => vi.useRealTimers());

function state(storage = new MemoryStorage(), person = "ada") {
  const shown: Array<string | null> = [];
  const s = new InAppState({ storage, key, person: () => person, onChange: (m) => shown.push(m?.key ?? null) });
  return { s, shown, storage };
}

describe("InAppState", () => {
  it("shows the highest priority first, the next one only after the first closes", async () => {
    vi.useFakeTimers();
    const { s, shown } = state();
    await s.load();
    s.apply(view([msg("low", { priority: 10 }), msg("high", { priority: 90 })]), true);
    expect(shown).toEqual(["high"]);
    s.close();
    await vi.runAllTimersAsync();
    expect(shown).toEqual(["high", null, "low"]);
  });

  it("holds a message with a display rule until the app tracks a matching event", async () => {
    const { s, shown } = state();
    await s.load();
    s.apply(view([msg("cart", {}, { displayOn: { event: "Viewed Cart", properties: { step: 2 } } })]), true);
    s.trigger("Viewed Cart", { step: 1 });
    expect(shown).toEqual([]);
    s.trigger("Viewed Cart", { step: 2 });
    expect(shown).toEqual(["cart"]);
  });

  it("waits out the minimum interval between two messages", async () => {
    vi.useFakeTimers();
    const { s, shown } = state();
    await s.load();
    s.apply(view([msg("a"), msg("b", { createdAt: 2 })], 30), true);
    s.close();
    await vi.advanceTimersByTimeAsync(29_000);
    expect(shown).toEqual(["a", null]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(shown).toEqual(["a", null, "b"]);
  });

  it("does not show a message again after a restart, for the same person", async () => {
    const storage = new MemoryStorage();
    const first = state(storage);
    await first.s.load();
    first.s.apply(view([msg("once")]), true);
    expect(first.shown).toEqual(["once"]);

    const again = state(storage);
    await again.s.load();
    again.s.apply(view([msg("once")]), true); // the server had not recorded the impression yet
    expect(again.shown).toEqual([]);
    const other = state(storage, "bob");
    await other.s.load();
    other.s.apply(view([msg("once")]), true);
    expect(other.shown).toEqual(["once"]);
  });

  it("drops a message handled on another device, unless it is on screen here", async () => {
    vi.useFakeTimers();
    const { s, shown } = state();
    await s.load();
    s.apply(view([msg("here", { priority: 90 }), msg("elsewhere")]), true);
    s.handled("here");
    s.handled("elsewhere");
    s.close();
    await vi.runAllTimersAsync();
    expect(shown).toEqual(["here", null]);
  });
});
