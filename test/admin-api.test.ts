import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, basic, call, createTestApp, OPERATOR, sdk } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { indexFirst } from "./helpers/index-shards";

describe("operator API", () => {
  it("creates apps and keys only with the operator token; keys are stored hashed", async () => {
    expect((await call("/admin/apps", { method: "POST", json: { name: "x" } })).status).toBe(401);
    expect(
      (await call("/admin/apps", { method: "POST", headers: { authorization: "Bearer nope" }, json: { name: "x" } }))
        .status,
    ).toBe(401);
    const bad = await call("/admin/apps", {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}` },
      json: { name: "" },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { problems: [{ field: "name" }] } });

    const app = await createTestApp();
    expect(app.writeKey).toMatch(/^bk_w_[0-9a-f]{48}$/);
    expect(app.adminKey).toMatch(/^bk_a_[0-9a-f]{48}$/);
    const stored = await env.DB.prepare("SELECT key_hash FROM api_keys WHERE app_id = ?")
      .bind(app.appId)
      .all<{ key_hash: string }>();
    expect(stored.results.map((r) => r.key_hash)).not.toContain(app.writeKey);
    expect(stored.results.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);

    const created = await call(`/admin/apps/${app.appId}/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}` },
      json: { kind: "write", label: "ios" },
    });
    const { key, prefix } = (await created.json()) as { key: string; prefix: string };
    expect(
      (
        await call("/v1/track", {
          method: "POST",
          headers: { authorization: basic(key) },
          json: { userId: "k", event: "E" },
        })
      ).status,
    ).toBe(200);

    await call(`/admin/apps/${app.appId}/keys/${prefix}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${OPERATOR}` },
    });
    clearKeyCache();
    expect(
      (
        await call("/v1/track", {
          method: "POST",
          headers: { authorization: basic(key) },
          json: { userId: "k", event: "E" },
        })
      ).status,
    ).toBe(401);
  });
});

describe("admin API", () => {
  it("requires the app's admin key", async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    await sdk(app, "/v1/track", { userId: "mine", event: "E" });
    expect((await call("/admin/users/mine")).status).toBe(401);
    expect((await call("/admin/users/mine", { headers: { authorization: `Bearer ${app.writeKey}` } })).status).toBe(
      401,
    );
    // Another app's admin key sees its own (empty) user space.
    expect((await admin(other, "/admin/users/mine")).status).toBe(404);
  });

  it("exports everything about a user and erases it (GDPR)", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/identify", { userId: "gdpr", traits: { email: "gdpr@example.com" } });
    await sdk(app, "/v1/devices", {
      userId: "gdpr",
      register: [{ provider: "fcm", platform: "android", token: "gdpr-token-123" }],
    });
    await eventually(
      () => indexFirst("SELECT 1 AS ok FROM users WHERE app_id = ? AND user_id = 'gdpr'", app.appId),
      8000,
      "index row",
    );

    const exp = await admin(app, "/admin/users/gdpr/export");
    expect(exp.status).toBe(200);
    expect(exp.headers.get("content-disposition")).toContain("attachment");
    const data = (await exp.json()) as {
      profile: { email: string };
      devices: unknown[];
      events: unknown[];
      index: unknown;
    };
    expect(data.profile.email).toBe("gdpr@example.com");
    expect(data.devices).toHaveLength(1);
    expect(data.events).toHaveLength(1);
    expect(data.index).not.toBeNull();
    expect(Object.keys((data as unknown as { features: Record<string, unknown> }).features)).toEqual(
      expect.arrayContaining(["journeys", "inapp_messages"]),
    );

    const del = await admin(app, "/admin/users/gdpr", { method: "DELETE" });
    expect(await del.json()).toEqual({ deleted: true });
    expect((await admin(app, "/admin/users/gdpr")).status).toBe(404);
    expect((await admin(app, "/admin/users/gdpr/export")).status).toBe(404);
    expect(await indexFirst("SELECT 1 FROM users WHERE app_id = ? AND user_id = 'gdpr'", app.appId)).toBeNull();
    // The erased object starts clean if the person comes back.
    await sdk(app, "/v1/track", { userId: "gdpr", event: "Back" });
    const back = (await (await admin(app, "/admin/users/gdpr")).json()) as {
      profile: { email: string | null; counters: { events: number } };
    };
    expect(back.profile).toMatchObject({ email: null, counters: { events: 1 } });
  });

  it("changes settings with validation, bumping the config version so objects use them within seconds", async () => {
    const app = await createTestApp();
    const before = (await (await admin(app, "/admin/app")).json()) as { configVersion: number };
    const bad = await admin(app, "/admin/app/settings", { method: "PATCH", json: { lifecycle: { dormantDays: 100 } } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { problems: [{ field: "settings.lifecycle.dormantDays" }] } });
    const unknown = await admin(app, "/admin/app/settings", { method: "PATCH", json: { colour: "blue" } });
    expect(unknown.status).toBe(400);

    const ok = await admin(app, "/admin/app/settings", { method: "PATCH", json: { purchaseEvent: "Purchase" } });
    const after = (await ok.json()) as {
      configVersion: number;
      settings: { purchaseEvent: string; lifecycle: { newDays: number } };
    };
    expect(after.configVersion).toBe(before.configVersion + 1);
    expect(after.settings.purchaseEvent).toBe("Purchase");
    expect(after.settings.lifecycle.newDays).toBe(7);

    clearKeyCache(); // what the edge's 3-second revalidation does
    await sdk(app, "/v1/track", { userId: "buyer", event: "Purchase", properties: { revenue: 9 } });
    const v = (await (await admin(app, "/admin/users/buyer")).json()) as {
      profile: { counters: { purchases: number } };
    };
    expect(v.profile.counters.purchases).toBe(1);
  });

  it("publishes an OpenAPI 3.1 document generated from the zod schemas", async () => {
    const res = await call("/admin/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/admin/apps",
      "/admin/users/{userId}",
      "/admin/users/{userId}/timeline",
      "/admin/users/{userId}/export",
      "/admin/segments/lifecycle",
      "/admin/app/settings",
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(["admin", "operator"]));
  });

  it("documents the real campaign model in the OpenAPI document, not a generic record", async () => {
    const doc = (await (await call("/admin/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>
      >;
      components: {
        schemas: Record<
          string,
          {
            type?: string;
            properties?: Record<
              string,
              { oneOf?: Array<{ properties: { type: { enum: string[] } } }>; items?: { oneOf?: unknown[] } }
            >;
            required?: string[];
            anyOf?: unknown[];
          }
        >;
      };
    };
    // Requests take the input form (defaulted fields optional); responses carry CampaignDefinition (src/http/openapi/io.ts).
    const ref = doc.paths["/admin/campaigns"]!.post!.requestBody!.content["application/json"]!.schema.$ref;
    expect(ref).toBe("#/components/schemas/CampaignDefinitionInput");
    expect(doc.paths["/admin/campaigns/{id}"]!.put!.requestBody!.content["application/json"]!.schema.$ref).toBe(ref);
    const def = doc.components.schemas.CampaignDefinitionInput!;
    expect(def.required).toEqual(expect.arrayContaining(["name", "trigger", "steps"]));
    expect(def.properties!.trigger!.oneOf!.map((t) => t.properties.type.enum[0])).toEqual([
      "event",
      "inaction",
      "lifecycle",
      "geofence",
      "beacon",
      "segment",
      "broadcast",
      "api",
    ]);
    expect(def.properties!.steps!.items!.oneOf).toHaveLength(5);
    expect(Object.keys(def.properties!)).toEqual(
      expect.arrayContaining([
        "audience",
        "variants",
        "controlPercent",
        "reentry",
        "frequencyCaps",
        "quietHours",
        "goal",
      ]),
    );
    // Conditions nest: a named component that refers to itself.
    expect(doc.components.schemas.CampaignCondition?.anyOf?.length).toBeGreaterThanOrEqual(12);
    expect(JSON.stringify(doc.components.schemas.CampaignCondition)).toContain(
      '"$ref":"#/components/schemas/CampaignCondition"',
    );
    // The API trigger documents its Idempotency-Key header.
    const trigger = doc.paths["/admin/campaigns/{id}/trigger"]!.post as unknown as {
      parameters: Array<{ name: string; in: string }>;
    };
    expect(trigger.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "idempotency-key", in: "header" })]),
    );
    // The campaign view returned by the API carries the same definition.
    expect(JSON.stringify(doc.components.schemas.Campaign)).toContain(
      '"$ref":"#/components/schemas/CampaignDefinition"',
    );
  });

  it("answers malformed JSON on validated admin and operator routes with a 400 naming the body", async () => {
    const app = await createTestApp();
    const broken = '{"name": "oops",'; // truncated JSON
    const cases: Array<[string, string, Record<string, string>]> = [
      ["POST", "/admin/campaigns", { authorization: `Bearer ${app.adminKey}` }],
      ["PATCH", "/admin/app/settings", { authorization: `Bearer ${app.adminKey}` }],
      ["POST", "/admin/apps", { authorization: `Bearer ${OPERATOR}` }],
    ];
    for (const [method, path, headers] of cases) {
      const res = await call(path, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: broken,
      });
      expect(res.status, `${method} ${path}`).toBe(400);
      const body = (await res.json()) as {
        error: { code: string; message: string; problems: Array<{ field: string; message: string }> };
      };
      expect(body.error.code).toBe("invalid_input");
      expect(body.error.message).toMatch(/malformed JSON/i);
      expect(body.error.problems).toEqual([{ field: "(body)", message: "malformed JSON" }]);
    }
  });

  it("answers unknown routes with the JSON error shape", async () => {
    const res = await call("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
