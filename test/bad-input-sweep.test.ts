import { describe, expect, it } from "vitest";
import { call, createTestApp, OPERATOR, type TestApp } from "./helpers/api";

/**
 * Bad input never gets a 5xx: every route that takes a body, documented (the OpenAPI
 * document) or SDK-facing, answers malformed or mistyped bodies with a 4xx and the JSON
 * error shape naming the problem.
 */
const deep = (levels: number) =>
  `{"userId":"u","event":"e","name":"n","traits":${"[".repeat(levels)}${"]".repeat(levels)}}`;

const BAD_BODIES: Array<[string, string]> = [
  ["JSON nested 3,000 levels deep", deep(3000)],
  ["JSON nested one level past the limit", deep(32)],
  ["malformed JSON", "{"],
  ["an array", "[]"],
  ["a string", '"hello"'],
  ["null", "null"],
  [
    "wrong types",
    JSON.stringify({
      userId: 42,
      event: [],
      name: {},
      batch: "no",
      lat: "north",
      trigger: 7,
      steps: "x",
      filter: 1,
      kind: 9,
      channel: false,
    }),
  ],
];

const SDK_ROUTES = [
  "/v1/track",
  "/v1/identify",
  "/v1/page",
  "/v1/screen",
  "/v1/group",
  "/v1/alias",
  "/v1/batch",
  "/v1/t",
  "/v1/b",
  "/v1/devices",
  "/v1/location",
  "/v1/in-app/events",
  "/v1/cards/card_x/read",
  "/v1/push/opened",
];

async function expectClientError(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, what).toBe("string");
  expect(typeof body.error?.message, what).toBe("string");
}

describe("bad input across the API", () => {
  it("every documented admin and operator route with a body answers bad bodies with a 4xx JSON error", async () => {
    const app: TestApp = await createTestApp();
    const doc = (await (await call("/admin/openapi.json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; security?: Array<Record<string, unknown>> }>>;
    };
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.requestBody) continue;
        const operator = op.security?.some((s) => "operator" in s) ?? false;
        const url = path.replace(/\{[^}]+\}/g, "x_unknown");
        for (const [name, body] of BAD_BODIES) {
          const res = await call(url, {
            method: method.toUpperCase(),
            headers: {
              authorization: `Bearer ${operator ? OPERATOR : app.adminKey}`,
              "content-type": "application/json",
            },
            body,
          });
          await expectClientError(res, `${method.toUpperCase()} ${path} with ${name}`);
        }
        checked.push(`${method.toUpperCase()} ${path}`);
      }
    }
    // The sweep reaches every kind of admin body: apps, settings, campaigns, segments, geofences, delivery.
    expect(checked).toEqual(
      expect.arrayContaining([
        "POST /admin/apps",
        "PATCH /admin/app/settings",
        "POST /admin/campaigns",
        "POST /admin/campaigns/{id}/trigger",
        "POST /admin/segments",
      ]),
    );
    expect(checked.some((c) => c.includes("/admin/geofences"))).toBe(true);
  });

  it("every SDK route answers bad bodies with a 4xx JSON error", async () => {
    const app = await createTestApp();
    for (const path of SDK_ROUTES) {
      for (const [name, body] of BAD_BODIES) {
        const res = await call(path, {
          method: "POST",
          headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" },
          body,
        });
        await expectClientError(res, `POST ${path} with ${name}`);
      }
    }
  });

  it("refuses nesting past the limit before storing anything, and the person's profile stays readable", async () => {
    const app = await createTestApp();
    const auth = { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" };
    const ok = await call("/v1/identify", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ userId: "deep", traits: { plan: "pro" } }),
    });
    expect(ok.status).toBe(200);
    for (const levels of [2000, 32]) {
      const res = await call("/v1/identify", {
        method: "POST",
        headers: auth,
        body: `{"userId":"deep","traits":{"x":${"[".repeat(levels)}${"]".repeat(levels)}}}`,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: "too_deep", problems: [{ field: "(body)", message: "nested deeper than 32 levels" }] },
      });
    }
    // 31 levels of arrays inside the body object and traits: 32 in all, at the limit, accepted.
    const atLimit = await call("/v1/identify", {
      method: "POST",
      headers: auth,
      body: `{"userId":"deep","traits":{"x":${"[".repeat(30)}${"]".repeat(30)}}}`,
    });
    expect(atLimit.status).toBe(200);
    const profile = await call("/admin/users/deep", { headers: { authorization: `Bearer ${app.adminKey}` } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ profile: { traits: { plan: "pro", x: expect.any(Array) } } });
    const deepAdmin = await call("/admin/segments", {
      method: "POST",
      headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
      body: deep(3000),
    });
    expect(deepAdmin.status).toBe(400);
    expect(await deepAdmin.json()).toMatchObject({ error: { code: "too_deep" } });
  });

  it("a batch naming more distinct people than the limit is refused whole; admin bodies have a size limit", async () => {
    const app = await createTestApp();
    const batch = Array.from({ length: 1001 }, (_, i) => ({ type: "track", userId: `wide-${i}`, event: "Wide" }));
    const res = await call("/v1/batch", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({ batch }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "too_many_people", problems: [{ field: "batch" }] } });
    expect((await call("/admin/users/wide-0", { headers: { authorization: `Bearer ${app.adminKey}` } })).status).toBe(
      404,
    );
    // Within the limit, a wide batch is applied with bounded concurrency.
    const within = Array.from({ length: 120 }, (_, i) => ({ type: "track", userId: `wide-${i}`, event: "Wide" }));
    const okRes = await call("/v1/batch", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({ batch: within }),
    });
    expect(await okRes.json()).toMatchObject({ success: true, applied: 120 });
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024) });
    const tooBig = await call("/admin/segments", {
      method: "POST",
      headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
      body: big,
    });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toMatchObject({ error: { code: "too_large" } });
  });
});
