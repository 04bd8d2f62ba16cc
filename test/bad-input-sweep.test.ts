import { describe, expect, it } from "vitest";
import { call, createTestApp, OPERATOR, type TestApp } from "./helpers/api";

/**
 * Bad input never gets a 5xx: every route that takes a body, documented (the OpenAPI
 * document) or SDK-facing, answers malformed or mistyped bodies with a 4xx and the JSON
 * error shape naming the problem.
 */
const BAD_BODIES: Array<[string, string]> = [
  ["malformed JSON", "{"],
  ["an array", "[]"],
  ["a string", '"hello"'],
  ["null", "null"],
  ["wrong types", JSON.stringify({ userId: 42, event: [], name: {}, batch: "no", lat: "north", trigger: 7, steps: "x", filter: 1, kind: 9, channel: false })],
];

const SDK_ROUTES = ["/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch", "/v1/t", "/v1/b", "/v1/devices", "/v1/location", "/v1/in-app/events", "/v1/cards/card_x/read"];

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
    const doc = (await (await call("/admin/openapi.json")).json()) as { paths: Record<string, Record<string, { requestBody?: unknown; security?: Array<Record<string, unknown>> }>> };
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.requestBody) continue;
        const operator = op.security?.some((s) => "operator" in s) ?? false;
        const url = path.replace(/\{[^}]+\}/g, "x_unknown");
        for (const [name, body] of BAD_BODIES) {
          const res = await call(url, { method: method.toUpperCase(), headers: { authorization: `Bearer ${operator ? OPERATOR : app.adminKey}`, "content-type": "application/json" }, body });
          await expectClientError(res, `${method.toUpperCase()} ${path} with ${name}`);
        }
        checked.push(`${method.toUpperCase()} ${path}`);
      }
    }
    // The sweep reaches every kind of admin body: apps, settings, campaigns, segments, geofences, delivery.
    expect(checked).toEqual(expect.arrayContaining(["POST /admin/apps", "PATCH /admin/app/settings", "POST /admin/campaigns", "POST /admin/campaigns/{id}/trigger", "POST /admin/segments"]));
    expect(checked.some((c) => c.includes("/admin/geofences"))).toBe(true);
  });

  it("every SDK route answers bad bodies with a 4xx JSON error", async () => {
    const app = await createTestApp();
    for (const path of SDK_ROUTES) {
      for (const [name, body] of BAD_BODIES) {
        const res = await call(path, { method: "POST", headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" }, body });
        await expectClientError(res, `POST ${path} with ${name}`);
      }
    }
  });
});
