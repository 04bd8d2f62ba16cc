import { expect } from "vitest";
import { createTestApp, sdk, type TestApp } from "./api";

/** The clock most workers tests start from: a Tuesday morning, UTC. */
export const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

/**
 * A person campaigns can reach: an Android push device with push consent and, unless
 * `email: false`, an email address with email consent.
 */
export async function reachableUser(app: TestApp, userId: string, at = T0, opts: { email?: boolean } = {}) {
  const email = opts.email ?? true;
  await sdk(
    app,
    "/v1/devices",
    {
      userId,
      ...(email ? { email: `${userId}@example.com` } : {}),
      register: [{ provider: "fcm", platform: "android", token: `tok-${userId}-000000` }],
      consent: email ? { push: "opted_in", email: "opted_in" } : { push: "opted_in" },
    },
    { clock: at },
  );
}

/** A fresh app with one signed-up person (and their devices, if given): what delivery tests send to. */
export async function signedUpPerson(userId: string, devices: unknown[] = []): Promise<TestApp> {
  const app = await createTestApp();
  await sdk(app, "/v1/track", { userId, event: "Signed Up", messageId: `m-${userId}` });
  if (devices.length) expect((await sdk(app, "/v1/devices", { userId, register: devices })).status).toBe(200);
  return app;
}
