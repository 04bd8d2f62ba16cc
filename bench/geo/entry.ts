// What bench/geo.mjs needs from the TypeScript sources, bundled by esbuild into one temp module.
export { compileFence } from "../../src/geo/fence";
export { FenceIndex, bruteForceContaining } from "../../src/geo/fence-index";
export { applyFix, emptyGeoState, DEFAULT_GEO_RULES } from "../../src/geo/transition";
export { randomFences, randomPoint, offset, rng, CITY, WORLD } from "./random-fences";
