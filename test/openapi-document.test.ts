import { describe, expect, it } from "vitest";
import committed from "../openapi/beckon.openapi.json";
import { createApp } from "../src/http/app";
import { documentOf } from "../src/http/openapi/document";
import { call } from "./helpers/api";

/**
 * The OpenAPI document: what the routes generate must be exactly the committed
 * `openapi/beckon.openapi.json` (regenerate with `npm run openapi`), the Worker serves that file
 * (a static asset), and `/docs` renders it.
 */
type Op = {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
type Doc = {
  info: { title: string; license?: { name: string } };
  servers?: unknown[];
  tags?: Array<{ name: string }>;
  paths: Record<string, Record<string, Op>>;
  components: {
    schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
};

async function served(path: string): Promise<Doc> {
  const res = await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return (await res.json()) as Doc;
}

describe("the OpenAPI document", () => {
  it("generated from the app's routes, is what openapi/beckon.openapi.json holds (run npm run openapi when this fails)", () => {
    expect(JSON.parse(JSON.stringify(documentOf(createApp())))).toEqual(committed);
  });

  it("is served as that file at /openapi.json and /admin/openapi.json", async () => {
    expect(await served("/openapi.json")).toEqual(committed);
    expect(await served("/admin/openapi.json")).toEqual(committed);
  });

  it("names servers, the MIT licence, tags and security schemes; every operation has a unique operationId, a tag and security", async () => {
    const doc = await served("/openapi.json");
    expect(doc.info.license?.name).toBe("MIT");
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["admin", "operator", "writeKey"]);
    const tags = new Set(doc.tags!.map((t) => t.name));
    const ids: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(op.security, `${method} ${path}`).toBeDefined();
        for (const t of (op as { tags?: string[] }).tags ?? [])
          expect(tags.has(t), `${method} ${path} tag ${t}`).toBe(true);
        ids.push(op.operationId!);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes the SDK routes, short forms included, with the write key", async () => {
    const doc = await served("/openapi.json");
    const sdk = [
      "batch",
      "b",
      "track",
      "t",
      "identify",
      "i",
      "page",
      "p",
      "screen",
      "s",
      "group",
      "g",
      "alias",
      "a",
    ].map((p) => `/v1/${p}`);
    for (const path of [...sdk, "/v1/devices", "/v1/location"])
      expect(doc.paths[path]?.post?.security, path).toEqual([{ writeKey: [] }]);
    for (const path of [
      "/v1/in-app",
      "/v1/cards",
      "/v1/config",
      "/v1/geofences/nearby",
      "/v1/projects/{writeKey}/settings",
      "/sourceConfig",
    ])
      expect(doc.paths[path]?.get, path).toBeDefined();
    expect(doc.paths["/v1/in-app/events"]?.post).toBeDefined();
    expect(doc.paths["/v1/cards/{id}/{action}"]?.post).toBeDefined();
    expect(JSON.stringify(doc.paths["/v1/track"]!.post!.responses["400"])).toContain(
      "#/components/schemas/IngestRejected",
    );
  });

  it("types the profile and the error shape; requests keep defaulted fields optional, responses require them", async () => {
    const doc = await served("/openapi.json");
    expect(doc.paths["/admin/users/{userId}"]!.get!.responses["200"]!.content!["application/json"]!.schema.$ref).toBe(
      "#/components/schemas/UserProfileView",
    );
    expect(doc.components.schemas.UserProfileView!.required).toEqual(
      expect.arrayContaining(["profile", "devices", "timers", "features"]),
    );
    expect(doc.components.schemas.UserProfile!.required).toEqual(
      expect.arrayContaining(["userId", "traits", "consent", "counters", "lifecycle"]),
    );
    expect(doc.paths["/admin/campaigns"]!.post!.responses["404"]!.content!["application/json"]!.schema.$ref).toBe(
      "#/components/schemas/Error",
    );
    // `reentry` has a default: optional in what a client sends, always there in what it reads.
    expect(doc.paths["/admin/campaigns"]!.post!.requestBody!.content["application/json"]!.schema.$ref).toBe(
      "#/components/schemas/CampaignDefinitionInput",
    );
    expect(doc.components.schemas.CampaignDefinitionInput!.required).not.toContain("reentry");
    expect(doc.components.schemas.CampaignDefinition!.required).toContain("reentry");
  });
});

describe("the API reference at /docs", () => {
  it("answers with the HTML page rendered from the document, naming the API", async () => {
    for (const path of ["/docs", "/docs/"]) {
      const res = await call(path);
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(text).toContain("<title>Beckon API</title>");
      expect(text).toContain("getServiceInfo");
    }
    // Revalidation through the asset's ETag.
    const etag = (await call("/docs")).headers.get("etag");
    expect(etag).toBeTruthy();
    expect((await call("/docs", { headers: { "if-none-match": etag! } })).status).toBe(304);
  });
});
