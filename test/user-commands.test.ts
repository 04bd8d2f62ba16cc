import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { userStub } from "../src/engine/user-stub";
import { createTestApp } from "./helpers/api";
import { userObject } from "./helpers/objects";
import { reachableUser, T0 } from "./helpers/people";

/**
 * Feature commands through the person's object (engine/user-commands.ts): typed by the registry at
 * the call, dispatched by name in the host, and checked at the handler, where a caller of another
 * version (or a bug) is refused naming the field instead of being half understood.
 */
describe("commands on the person's object", () => {
  it("answers with the command's declared result, and null for someone never seen", async () => {
    const app = await createTestApp({ identityVerification: "off" });
    await reachableUser(app, "ada");
    const base = { appId: app.appId, anonymous: false, now: T0 + 1000 };

    const pending = await userStub(env.USER, `${app.appId}/u/ada`).command({
      ...base,
      userId: "ada",
      feature: "inapp",
      name: "pending",
      args: {},
    });
    expect(pending).toMatchObject({ messages: [], rules: [], notBefore: null, serverTime: T0 + 1000 });

    const ghost = userStub(env.USER, `${app.appId}/u/ghost`);
    expect(await ghost.command({ ...base, userId: "ghost", feature: "inapp", name: "cards", args: {} })).toBeNull();
  });

  it("refuses malformed arguments at the handler, naming the field, and writes nothing", async () => {
    const app = await createTestApp({ identityVerification: "off" });
    await reachableUser(app, "bob");
    const stub = userStub(env.USER, `${app.appId}/u/bob`);
    const base = { appId: app.appId, userId: "bob", anonymous: false, now: T0 + 1000 };
    const before = await stub.getTimeline({ limit: 100 });

    // Through the object itself: a rejecting RPC leaks an unhandled rejection in the test pool
    // (cloudflare/workers-sdk#7707), so the refusal is caught inside the object and returned.
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => "applied",
        (e: Error) => e.message,
      );
    const refusals = await runInDurableObject(userObject(`${app.appId}/u/bob`), (object) =>
      Promise.all([
        // What an out-of-date caller might send: the wrong type for `path`.
        refusal(
          object.command({
            ...base,
            feature: "identity",
            name: "unverified",
            args: { problem: "x", path: 42 } as never,
          }),
        ),
        refusal(object.command({ ...base, feature: "inapp", name: "nope" as never, args: {} as never })),
      ]),
    );
    expect(refusals).toEqual([
      "invalid command arguments: path: Invalid input: expected string, received number",
      "unknown command inapp.nope",
    ]);
    expect(await stub.getTimeline({ limit: 100 })).toEqual(before);

    // The same command with its arguments right is applied.
    await stub.command({
      ...base,
      feature: "identity",
      name: "unverified",
      args: { problem: "expired", path: "/v1/x" },
    });
    const after = await stub.getTimeline({ limit: 100 });
    expect(after?.entries.length).toBe((before?.entries.length ?? 0) + 1);
  });
});
