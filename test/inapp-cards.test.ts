import { describe, expect, it } from "vitest";
import { createTestApp, sdk } from "./helpers/api";
import { addCard, connect, getJson, kinds, postText, statsOf } from "./helpers/inapp";

interface Feed {
  cards: Array<{ id: string; title: string; pinned: boolean; read: boolean; deepLink?: string }>;
  unread: number;
}

const T0 = Date.parse("2026-11-24T09:00:00Z");

describe("content cards", () => {
  it("is one feed per person: two devices see the same cards and the same state, live", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/identify", { userId: "cc", traits: {}, messageId: "i1" });
    const phone = await connect(app, { userId: "cc" });
    const laptop = await connect(app, { userId: "cc" });
    await phone.next((m) => m.type === "sync");
    await laptop.next((m) => m.type === "sync");

    await addCard(
      app,
      "cc",
      { title: "Welcome", body: "Glad you're here" },
      { key: "camp-c:w:1", campaignId: "camp-c" },
    );
    await addCard(
      app,
      "cc",
      { title: "Sale", deepLink: "https://shop.example/sale", pinned: true },
      { key: "camp-c:s:1", campaignId: "camp-c" },
    );
    // Both devices learn of new cards at once.
    expect(
      await laptop.next((m) => m.type === "cards" && (m.card as { title?: string })?.title === "Sale"),
    ).toMatchObject({ unread: 2 });
    await phone.next((m) => m.type === "cards" && (m.card as { title?: string })?.title === "Sale");

    const feed = (device: string) => getJson<Feed>(`/v1/cards?userId=cc&writeKey=${app.writeKey}&device=${device}`);
    const onPhone = await feed("phone");
    expect(onPhone.body.cards.map((c) => c.title)).toEqual(["Sale", "Welcome"]); // pinned first
    expect(onPhone.body.unread).toBe(2);

    // The phone reads one, pins the other; the laptop sees both changes.
    expect((await postText(app, "/v1/cards/camp-c:w:1/read", { userId: "cc" })).status).toBe(200);
    const pin = await postText(app, "/v1/cards/camp-c:w:1/pin", { userId: "cc" });
    expect(((await pin.json()) as { card: { pinned: boolean } }).card.pinned).toBe(true);
    await laptop.next((m) => m.type === "cards" && m.changed === "camp-c:w:1");
    const onLaptop = await feed("laptop");
    expect(onLaptop.body.cards.find((c) => c.id === "camp-c:w:1")).toMatchObject({ read: true, pinned: true });
    expect(onLaptop.body.unread).toBe(1);

    // Dismissed on the laptop → gone everywhere.
    await postText(app, "/v1/cards/camp-c:s:1/dismiss", { userId: "cc" });
    expect((await feed("phone")).body.cards.map((c) => c.id)).toEqual(["camp-c:w:1"]);
    phone.ws.close();
    laptop.ws.close();
  });

  it("counts views, clicks and dismissals once in campaign stats", async () => {
    const app = await createTestApp();
    await addCard(
      app,
      "cs",
      { title: "Offer", deepLink: "myshop://offer" },
      { key: "camp-k:o:1", campaignId: "camp-k" },
    );
    await addCard(app, "cs", { title: "Other" }, { key: "camp-k:o:2", campaignId: "camp-k" });
    for (let i = 0; i < 2; i++) {
      await postText(app, "/v1/cards/camp-k:o:1/view", { userId: "cs" });
      await postText(app, "/v1/cards/camp-k:o:1/click", { userId: "cs" });
    }
    // A click counts the view too (card 2 dismissed without an explicit view).
    await postText(app, "/v1/cards/camp-k:o:2/dismiss", { userId: "cs" });
    const rows = await statsOf("camp-k", (r) => r.reduce((n, x) => n + x.n, 0) >= 4);
    expect(kinds(rows)).toEqual({ impression: 2, clicked: 1, dismissed: 1 });
  });

  it("expires cards, rejects unknown cards and actions, and stores a key once", async () => {
    const app = await createTestApp();
    expect(
      (await addCard(app, "ce", { title: "Today only", expiresInSeconds: 86400 }, { key: "k:1", clock: T0 })).body
        .stored,
    ).toBe(true);
    expect((await addCard(app, "ce", { title: "Today only (dup)" }, { key: "k:1", clock: T0 })).body.stored).toBe(
      false,
    );
    await addCard(app, "ce", { title: "Month" }, { key: "k:2", clock: T0 });
    const titles = async (at: number) =>
      (await getJson<Feed>(`/v1/cards?userId=ce&writeKey=${app.writeKey}`, at)).body.cards.map((c) => c.title);
    expect((await titles(T0 + 1000)).sort()).toEqual(["Month", "Today only"]);
    expect(await titles(T0 + 86400_000)).toEqual(["Month"]);
    expect(await titles(T0 + 30 * 86400_000)).toEqual([]);

    const unknown = await postText(app, "/v1/cards/nope/read", { userId: "ce" }, T0);
    expect(unknown.status).toBe(404);
    const badAction = await postText(app, "/v1/cards/k:2/explode", { userId: "ce" }, T0);
    expect(badAction.status).toBe(400);
    expect(
      ((await badAction.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field,
    ).toBe("action");
    const noUser = await postText(app, "/v1/cards/k:2/read", {}, T0);
    expect(noUser.status).toBe(400);
  });

  it("validates card content", async () => {
    const app = await createTestApp();
    const res = await addCard(app, "cv", { body: "no title", imageUrl: "ftp://x" });
    expect(res.status).toBe(400);
  });
});
