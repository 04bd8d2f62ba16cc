/**
 * Import boundaries (docs/architecture.md). `npm run lint` fails on any violation: a new cycle
 * is broken by moving the shared piece down a layer, never by an exception here.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A module must not reach itself through its imports (type imports included).",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-circular-at-folder-level",
      severity: "error",
      comment: "A folder must not reach itself through the folders it imports: shared pieces move down a layer.",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
    {
      name: "kernel-depends-on-nothing",
      severity: "error",
      comment: "src/kernel is the bottom layer: clock, JSON, ids, errors. It imports nothing of Beckon's.",
      from: { path: "^src/kernel/" },
      to: { path: "^src/", pathNot: "^src/kernel/" },
    },
    {
      name: "domain-is-pure",
      severity: "error",
      comment: "src/domain is pure and synchronous: it may import the kernel and itself, never a binding-using layer.",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/(kernel|domain|zod-lean)/" },
    },
    {
      name: "domain-has-no-runtime",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^(cloudflare:|drizzle-orm|hono)" },
    },
    {
      name: "stores-below-engine",
      severity: "error",
      comment: "D1 repositories know the domain, not the object, the queues' consumers or HTTP.",
      from: { path: "^src/stores/" },
      to: { path: "^src/", pathNot: "^src/(kernel|domain|stores|zod-lean)/" },
    },
    {
      name: "engine-below-delivery-jobs-http",
      severity: "error",
      comment: "The UserObject host and its features never import delivery, jobs or HTTP.",
      from: { path: "^src/engine/" },
      to: { path: "^src/(delivery|jobs|http)/" },
    },
    {
      name: "features-do-not-import-each-other",
      severity: "error",
      comment: "A feature talks to another only through the host (emitted internal events, the context).",
      from: { path: "^src/engine/features/([^/]+)/" },
      to: { path: "^src/engine/features/", pathNot: "^src/engine/features/$1/" },
    },
    {
      name: "only-the-host-lists-features",
      severity: "error",
      comment: "The host and its contract do not import concrete features; the composition root lists them.",
      from: { path: "^src/engine/[^/]+\\.ts$", pathNot: "^src/engine/features\\.ts$" },
      to: { path: "^src/engine/features/" },
    },
    {
      name: "delivery-below-jobs-and-http",
      severity: "error",
      from: { path: "^src/delivery/" },
      to: { path: "^src/(jobs|http)/" },
    },
    {
      name: "jobs-below-http",
      severity: "error",
      from: { path: "^src/jobs/" },
      to: { path: "^src/http/" },
    },
    {
      name: "nothing-imports-the-composition-root",
      severity: "error",
      comment:
        "workers/edge.ts assembles the Worker; depending on it turns the graph upside down. (It alone loads the generated modules in workers/vendor/.)",
      from: {},
      to: { path: "^workers/", pathNot: "^workers/vendor/" },
    },
    {
      name: "only-the-composition-root-loads-vendor-modules",
      severity: "error",
      comment: "workers/vendor/ holds generated modules attached beside the bundle (wrangler.toml find_additional_modules); src gets them provided.",
      from: { pathNot: "^workers/edge\\.ts$" },
      to: { path: "^workers/vendor/" },
    },
    {
      name: "src-does-not-import-tests-or-tools",
      severity: "error",
      from: { path: "^(src|sdk|console)/" },
      to: { path: "^(test|bench|scripts)/" },
    },
    {
      name: "sdk-core-is-platform-free",
      severity: "error",
      comment: "The SDK core runs on the web and on React Native: no DOM-bound platform module, no React Native.",
      from: { path: "^sdk/core/" },
      to: { path: "^(sdk/(dom|render|index|cards|sw)\\.ts|sdk/react-native/)|react-native" },
    },
    {
      name: "sdks-do-not-import-the-worker",
      severity: "error",
      from: { path: "^(sdk|console)/" },
      to: { path: "^(src|workers)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^public/|^openapi/|\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
