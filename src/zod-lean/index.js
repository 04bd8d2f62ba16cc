// What `import … from "zod"` resolves to in the Worker's bundle: zod's exports less the parts in
// ./external.js's note. Sources import it as a namespace (`import * as z from "zod"`), which esbuild
// shakes to the schemas actually used. The `z` export is NOT the namespace: it carries only what
// @hono/zod-openapi reads from its `z` (extendZodWithOpenApi(z) sets z.ZodType.prototype.openapi);
// a full namespace object there would keep every export of zod in the bundle. test/unit/zod-lean.test.ts
// checks both, and that no source imports `{ z }` from "zod" or "@hono/zod-openapi".
import { ZodType } from "./external.js";
export * from "./external.js";
const z = new Proxy(Object.freeze({ ZodType }), {
  get(target, key) {
    if (key in target || typeof key === "symbol") return target[key];
    throw new TypeError(
      `z.${key}: in the Worker's bundle \`z\` from "zod" or "@hono/zod-openapi" is not zod's namespace; import it as \`import * as z from "zod"\` (src/zod-lean/index.js)`,
    );
  },
});
export { z, z as default };
