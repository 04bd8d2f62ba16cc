import { describe, expect, it } from "vitest";
import { admin, call, createTestApp, sdk } from "./helpers/api";

/** Errors say plainly what is wrong, in the words a first-day user needs. */
describe("error messages", () => {
  it("a single rejected call says what is wrong, without talking about other calls", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/track", { userId: "ada" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { message: string; problems: Array<{ field: string; message: string }> };
    };
    expect(body.error.message).toBe("event: required for track calls");
    expect(body.error.problems).toEqual([{ field: "event", message: "required for track calls" }]);
    const batch = await sdk(app, "/v1/batch", { batch: [{ type: "track", userId: "ada" }] });
    expect(((await batch.json()) as { error: { message: string } }).error.message).toBe(
      "1 of 1 calls rejected. First: batch.0.event: required for track calls",
    );
  });

  it("a missing required admin field reads 'required'", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/campaigns", {
      method: "POST",
      json: { trigger: { type: "event", event: "Signed Up" }, steps: [] },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { problems: expect.arrayContaining([{ field: "name", message: "required" }]) },
    });
  });

  it("a key of the wrong kind is named as such", async () => {
    const app = await createTestApp();
    const onSdk = await call("/v1/track", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${app.adminKey}:`)}` },
      json: { userId: "ada", event: "X" },
    });
    expect(onSdk.status).toBe(401);
    expect(((await onSdk.json()) as { error: { message: string } }).error.message).toMatch(
      /^this is an admin key: SDK routes take a write key/,
    );
    const onAdmin = await call("/admin/app", { headers: { authorization: `Bearer ${app.writeKey}` } });
    expect(onAdmin.status).toBe(401);
    expect(((await onAdmin.json()) as { error: { message: string } }).error.message).toMatch(
      /^this is a write key: admin routes take an admin key/,
    );
  });
});
