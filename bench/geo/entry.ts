// What bench/geo.mjs needs from the TypeScript sources, bundled by esbuild into one temp module.
export { compileFence } from "../../src/domain/geo/fence";
export { FenceIndex, bruteForceContaining } from "../../src/domain/geo/fence-index";
export { applyFix, emptyGeoState, DEFAULT_GEO_RULES } from "../../src/domain/geo/transition";
export { randomFences, randomPoint, offset, rng, CITY, WORLD } from "./random-fences";
