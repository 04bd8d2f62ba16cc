// What `import … from "zod"` resolves to in the Worker's bundle: see ./external.js.
import * as z from "./external.js";
export * from "./external.js";
export { z, z as default };
