// `npm start`: gives the demo app a living console on first start — the sample campaigns of the
// brief (demo/campaigns.json, one per use case; onboarding and cart abandonment active, the rest
// drafts) and a few dozen sample shoppers with 60 days of history. Runs once per local database:
// it does nothing when the demo app already has campaigns.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const DAY = 86_400_000;
const PRODUCTS = [
  ["Trail shoes", 89, "shoes"],
  ["Rain jacket", 129, "outerwear"],
  ["Camera", 499, "cameras"],
  ["Water bottle", 19, "accessories"],
  ["Backpack", 79, "bags"],
];
const NAMES = [
  "ada",
  "grace",
  "alan",
  "edsger",
  "barbara",
  "ken",
  "margaret",
  "linus",
  "radia",
  "tim",
  "frances",
  "donald",
  "hedy",
  "john",
  "katherine",
  "dennis",
  "shafi",
  "leslie",
  "sophie",
  "guido",
  "anita",
  "bjarne",
  "yukihiro",
  "jean",
  "carol",
  "niklaus",
  "mary",
  "james",
  "lynn",
  "vint",
];

/** A small deterministic random, so every fresh demo looks the same. */
function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

/** Shoppers of every lifecycle state: some bought often, some browsed and left, some went quiet. */
export function samplePeople(now = Date.now()) {
  const rand = rng(42);
  const batches = [];
  NAMES.forEach((name, i) => {
    const userId = `demo-${name}`;
    const firstSeen = now - Math.floor(5 + rand() * 55) * DAY;
    // Recency spread: a third seen today, a third last week or two, the rest long ago.
    const lastSeen =
      i % 3 === 0
        ? now - rand() * DAY * 0.5
        : i % 3 === 1
          ? now - (3 + rand() * 12) * DAY
          : Math.min(now - (20 + rand() * 35) * DAY, firstSeen + DAY);
    const at = (t) => new Date(Math.min(Math.max(t, firstSeen), now - 60_000)).toISOString();
    const events = [
      {
        type: "identify",
        userId,
        traits: { first_name: name[0].toUpperCase() + name.slice(1), email: `${name}@example.com` },
        timestamp: at(firstSeen),
      },
      { type: "track", userId, event: "Signed Up", timestamp: at(firstSeen + 1000) },
    ];
    const orders =
      i % 3 === 0 ? 2 + Math.floor(rand() * 6) : i % 3 === 1 ? Math.floor(rand() * 3) : Math.floor(rand() * 2);
    for (let o = 0; o < orders; o++) {
      const t = firstSeen + ((lastSeen - firstSeen) * (o + 1)) / (orders + 1);
      const [product, price, category] = PRODUCTS[Math.floor(rand() * PRODUCTS.length)];
      const cart = `cart-${name}-${o}`;
      events.push({
        type: "track",
        userId,
        event: "Product Added",
        properties: { product, price, category, cart_id: cart },
        timestamp: at(t),
      });
      events.push({
        type: "track",
        userId,
        event: "Order Completed",
        properties: { product, revenue: price, category, cart_id: cart },
        timestamp: at(t + 120_000),
      });
    }
    events.push({ type: "screen", userId, name: "Home", timestamp: at(lastSeen) });
    batches.push(events);
  });
  return batches;
}

async function call(base, path, init) {
  const res = await fetch(base + path, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function seedDemo({ base, adminKey, writeKey, now = Date.now() }) {
  const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
  const { campaigns } = await call(base, "/admin/campaigns", { headers: admin });
  if (campaigns.length > 0) return { seeded: false };
  const samples = JSON.parse(readFileSync(join(root, "demo/campaigns.json"), "utf8"));
  for (const s of samples) {
    const c = await call(base, "/admin/campaigns", {
      method: "POST",
      headers: admin,
      body: JSON.stringify(s.definition),
    });
    if (s.activate) await call(base, `/admin/campaigns/${c.id}/activate`, { method: "POST", headers: admin });
  }
  const sdk = {
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`,
    "content-type": "application/json",
  };
  const people = samplePeople(now);
  for (const batch of people)
    await call(base, "/v1/batch", {
      method: "POST",
      headers: sdk,
      body: JSON.stringify({ batch, sentAt: new Date(now).toISOString() }),
    });
  // The nightly models (RFM cut points, churn fit, the day's snapshot) once the users index has everyone.
  for (let i = 0; i < 30; i++) {
    const { total } = await call(base, "/admin/segments/lifecycle", { headers: admin });
    if (total >= people.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await call(base, "/admin/segments/recompute", { method: "POST", headers: admin, body: "{}" });
  return { seeded: true, campaigns: samples.length, people: people.length };
}
