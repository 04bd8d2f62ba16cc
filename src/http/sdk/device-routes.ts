import { Hono } from "hono";
import { sdkRequest } from "./sdk-request";
import { userStub } from "../../engine/user-stub";
import { DevicesRequest } from "../openapi/sdk-requests";
import type { HonoEnv } from "../hono-env";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";

export const deviceRoutes = new Hono<HonoEnv>();

deviceRoutes.post("/devices", async (c) => {
  const request = await sdkRequest(c, DevicesRequest, 64 * 1024);
  const { writeKey: _k, userToken: _t, userId, anonymousId, ...update } = request;
  await verifyIdentity(c, [userId], request);
  const app = c.get("app");
  const target = userObjectName(app.appId, { userId, anonymousId });
  const result = await userStub(c.env.USER, target.name).updateDevices({
    appId: app.appId,
    userId: target.userId,
    anonymous: target.anonymous,
    configVersion: app.configVersion,
    now: c.get("now"),
    virtualClock: c.get("virtualClock"),
    update: { ...update, source: "sdk" },
  });
  return c.json({ success: true, devices: result.devices });
});
