/**
 * Shapes of admin responses the OpenAPI document still types loosely (records of unknown).
 * Each mirrors the route named beside it; remove one when the document types that route.
 */
export interface Activity {
  asOf: string;
  dau: number;
  wau: number;
  mau: number;
  total: number;
  stickiness: number | null;
  history: { day: string; dau: number; wau: number; mau: number; stickiness: number | null }[];
}

/** GET /admin/segments/lifecycle/history */
export interface LifecycleHistory {
  from: string;
  to: string;
  days: { day: string; total: number; states: Record<string, number>; loyal: number }[];
}

export interface RfmCell {
  r: number;
  f: number;
  segment: string;
  users: number;
  revenue: number;
  avgMonetary: number | null;
}

/** GET /admin/segments/rfm */
export interface RfmGrid {
  model: { version: number; computedAt: string } | null;
  message?: string;
  purchasers: number;
  cells: RfmCell[];
  segments: Record<string, { users: number; revenue: number; avgMonetary: number | null }>;
  churnBands: Record<string, { users: number; avgPAlive: number | null; avgExpectedPurchases30: number | null }>;
}

export interface CampaignSummary {
  id: string;
  name: string;
  status: string;
  version: number;
  trigger?: { type: string; event?: string };
  updatedAt?: string;
  createdAt?: string;
}
