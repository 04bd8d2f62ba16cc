/**
 * Jest with React Native's preset for the components and hooks (`npm run test:rn` at the repo root).
 * The rest of the SDK is tested with Vitest (test/unit, test/e2e); these tests need RN's renderer.
 */
module.exports = {
  preset: "@react-native/jest-preset",
  rootDir: __dirname,
  roots: ["<rootDir>/test"],
  // The first test of a run also pays for transforming React Native.
  testTimeout: 30_000,
  testMatch: ["**/*.test.ts", "**/*.test.tsx"],
  // The example app imports the package by its published name.
  moduleNameMapper: { "^@beckon/react-native$": "<rootDir>/src/index.ts" },
  // The package imports the shared core from ../core: compile it with the same Babel config.
  transformIgnorePatterns: ["node_modules/(?!((jest-)?react-native|@react-native(-community)?|@testing-library)/)"],
};
