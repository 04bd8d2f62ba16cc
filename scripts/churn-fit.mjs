#!/usr/bin/env node
/**
 * npm run churn-fit -- <file.csv>
 *
 * Fits the BG/NBD churn model (Fader, Hardie & Lee 2005) to a CSV of
 * `ID,frequency,recency,T` rows (frequency = repeat purchases x, recency = t_x,
 * T = age, in any one time unit, e.g. weeks) and prints
 * `{ r, alpha, a, b, logLikelihood, n }` as JSON. It runs the very TypeScript
 * module the Worker's nightly job uses (bundled on the fly with esbuild).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run churn-fit -- <file.csv>   (columns ID,frequency,recency,T)");
  process.exit(2);
}

const entry = fileURLToPath(new URL("../src/domain/segments/bgnbd-fit.ts", import.meta.url));
const bundle = await build({
  entryPoints: [entry],
  bundle: true,
  write: false,
  format: "esm",
  platform: "neutral",
  logLevel: "silent",
});
const { fitBgNbd, parseSummaryCsv } = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString("base64")}`
);

const { customers, problems } = parseSummaryCsv(await readFile(file, "utf8"));
for (const p of problems.slice(0, 20)) console.error(`${file}: ${p}`);
if (problems.length > 20) console.error(`${file}: … ${problems.length - 20} more problems`);
const fit = fitBgNbd(customers);
if (!fit) {
  console.error(`${file}: not enough data to fit (need at least 10 customers, some with repeat purchases)`);
  process.exit(1);
}
console.log(
  JSON.stringify(
    { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b, logLikelihood: fit.logLikelihood, n: fit.n },
    null,
    2,
  ),
);
