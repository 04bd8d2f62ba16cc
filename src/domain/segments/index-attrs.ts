/**
 * Keys the segmentation features write into the users-index row's `attrs` JSON
 * (one place, so the writers in the UserObject and the SQL readers agree).
 */
export const ATTR = {
  rfmSegment: "rfmSegment",
  r: "rfmR",
  f: "rfmF",
  m: "rfmM",
  churnBand: "churnBand",
  pAlive: "pAlive",
  expectedPurchases30: "expectedPurchases30",
  consent: "consent",
  platforms: "platforms",
  segmentIds: "segments",
  /** Which addresses the person has: `["email", "phone"]` (audience estimates per channel). */
  addresses: "addresses",
} as const;
