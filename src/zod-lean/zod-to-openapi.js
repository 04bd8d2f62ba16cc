// What `@asteasolutions/zod-to-openapi` resolves to in the Worker's bundle (wrangler.toml [alias]): the
// registry and the `.openapi()` extension @hono/zod-openapi needs to build its routes, without the
// document generators. The Worker never generates its OpenAPI document: `npm run openapi` does, from
// the same app, and the Worker serves the result as a static asset (public/openapi.json). The
// generators and the JSON Schema conversion they pull from zod were ~60 KB of the minified bundle.
// Tests and the script use the real package; test/unit/zod-lean.test.ts holds this file to its exports.
export {
  OpenAPIRegistry,
  extendZodWithOpenApi,
  getOpenApiMetadata,
  getRefId,
} from "../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs";

class BuildTimeOnly {
  constructor() {
    throw new Error(
      "the OpenAPI document is generated at build time (npm run openapi) and served from public/openapi.json; the Worker's bundle has no generator (src/zod-lean/zod-to-openapi.js)",
    );
  }
}
export class OpenApiGeneratorV3 extends BuildTimeOnly {}
export class OpenApiGeneratorV31 extends BuildTimeOnly {}
export class OpenApiGeneratorV32 extends BuildTimeOnly {}
export function zodToOpenAPIRegistry() {
  return new BuildTimeOnly();
}
