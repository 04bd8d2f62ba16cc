import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";

describe("smoke", () => {
  it("tracks an event and shows the profile", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/track", { userId: "u1", event: "Signed Up", messageId: "m1" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, applied: 1 });
    const profile = await admin(app, "/admin/users/u1");
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as { profile: { lifecycle: { state: string } } };
    expect(body.profile.lifecycle.state).toBe("new");
  });
});
