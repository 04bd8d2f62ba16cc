import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { describe, expect, it } from "vitest";
import { call, createTestApp, sdk } from "./helpers/api";
import { connect, modal, sendInApp } from "./helpers/inapp";

describe("in-app messages: live delivery over the WebSocket", () => {
  it("syncs pending messages on connect and pushes a new one within a second", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/identify", { userId: "lu", traits: {}, messageId: "i1" });
    await sendInApp(app, "lu", modal("Before"), { key: "c:s:before" });

    const client = await connect(app, { userId: "lu" });
    const sync = await client.next((m) => m.type === "sync");
    expect((sync.messages as Array<{ key: string }>).map((m) => m.key)).toEqual(["c:s:before"]);

    const sentAt = Date.now();
    await sendInApp(app, "lu", modal("Live"), { key: "c:s:live", campaignId: "c" });
    const pushed = await client.next((m) => m.type === "inapp", 1000);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(pushed.messages).toMatchObject([{ key: "c:s:live", campaignId: "c", content: { title: "Live" } }]);
    client.ws.close();
  });

  it("keeps delivering after the object hibernates (socket survives eviction)", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/identify", { userId: "hib", traits: {}, messageId: "i1" });
    const client = await connect(app, { userId: "hib" });
    await client.next((m) => m.type === "sync");

    const stub = userObject(`${app.appId}/u/hib`);
    await evictDurableObject(stub as unknown as DurableObjectStub);
    // A fresh instance finds the hibernated socket.
    const sockets = await runInDurableObject(stub, (_instance, state) => state.getWebSockets("live").length);
    expect(sockets).toBe(1);

    await sendInApp(app, "hib", modal("After hibernation"), { key: "c:s:hib" });
    const pushed = await client.next((m) => m.type === "inapp", 1000);
    expect(pushed.messages).toMatchObject([{ key: "c:s:hib", content: { title: "After hibernation" } }]);
    client.ws.close();
  });

  it("tells the person's other devices when one shows a message", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/identify", { userId: "two", traits: {}, messageId: "i1" });
    const phone = await connect(app, { userId: "two" });
    const laptop = await connect(app, { userId: "two" });
    await sendInApp(app, "two", modal(), { key: "c:s:two" });
    await phone.next((m) => m.type === "inapp");
    await laptop.next((m) => m.type === "inapp");
    // The phone shows it (its SDK reports the impression over the socket).
    phone.ws.send(JSON.stringify({ type: "engage", events: [{ kind: "impression", key: "c:s:two" }] }));
    expect(await laptop.next((m) => m.type === "handled")).toEqual({ type: "handled", key: "c:s:two" });
    phone.ws.close();
    laptop.ws.close();
  });

  it("refuses a plain GET and a wrong write key", async () => {
    const app = await createTestApp();
    expect((await call(`/v1/connect?userId=x&writeKey=${app.writeKey}`)).status).toBe(426);
    expect((await call(`/v1/connect?userId=x&writeKey=nope`, { headers: { upgrade: "websocket" } })).status).toBe(401);
  });
});
