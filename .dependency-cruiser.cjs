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
      name: "nothing-imports-the-composition-root",
      severity: "error",
      comment: "workers/edge.ts assembles the Worker; depending on it turns the graph upside down.",
      from: {},
      to: { path: "^workers/" },
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
