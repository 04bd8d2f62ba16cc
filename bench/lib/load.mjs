// A light closed-loop load generator: `concurrency` loops, each sending its next request when the previous answers.

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(latencies) {
  const s = [...latencies].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
}

/** Runs `makeRequest(i)` → { url, init } for `seconds`; returns requests/s and latency percentiles (ms). */
export async function closedLoop({ seconds, concurrency, makeRequest, check }) {
  const latencies = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const { url, init } = makeRequest(i++);
        const t = performance.now();
        try {
          const res = await fetch(url, init);
          const body = await res.text();
          if (!res.ok || (check && !check(body))) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { rps: latencies.length / elapsed, errors, ...summary(latencies) };
}

export const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));
