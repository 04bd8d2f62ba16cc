/**
 * Stable A/B(/n) and control-group assignment. A person's arm is a pure function of
 * (campaign id, user id, arms, control %): the same person always lands in the same arm,
 * on every isolate, with no stored state, so a re-entry or a retried send cannot
 * switch variants.
 *
 * u = murmur3_32(UTF-8 of `${seed}:${userId}`, seed 0) / 2^32, uniform in [0, 1).
 * - u < controlPercent / 100 → control group (arm id "control"; no message is sent).
 * - otherwise u is rescaled to [0, 1) over the remainder and mapped onto the arms'
 *   cumulative weights, in the order given.
 * Keeping arm order and weights fixed keeps assignments fixed; changing the weights
 * or the control % moves only the people near the changed boundaries.
 */

export interface Arm {
  id: string;
  weight: number;
}

export interface Assignment {
  /** The arm id, or `CONTROL_ARM` for the control group. */
  arm: string;
  control: boolean;
}

export const CONTROL_ARM = "control";

const encoder = new TextEncoder();

/** MurmurHash3 x86 32-bit (Austin Appleby), public domain reference algorithm. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const j = i << 2;
    let k = (bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks << 2;
  let k = 0;
  const rest = bytes.length & 3;
  if (rest > 0) {
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  // Final avalanche: every input bit affects every output bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The person's uniform draw in [0, 1) for this seed. */
export function stableUnit(seed: string, userId: string): number {
  return murmur3(encoder.encode(`${seed}:${userId}`)) / 0x1_0000_0000;
}

/**
 * Throws `RangeError` when no arm has a positive weight (and the person is not in
 * control), or controlPercent is outside [0, 100]: campaign validation rejects those
 * before they reach a send.
 */
export function assignArm(seed: string, userId: string, arms: readonly Arm[], controlPercent: number): Assignment {
  if (!(controlPercent >= 0 && controlPercent <= 100))
    throw new RangeError(`controlPercent must be within 0–100, got ${controlPercent}`);
  const u = stableUnit(seed, userId);
  const control = controlPercent / 100;
  if (u < control) return { arm: CONTROL_ARM, control: true };

  const usable = arms.filter((arm) => Number.isFinite(arm.weight) && arm.weight > 0);
  const total = usable.reduce((sum, arm) => sum + arm.weight, 0);
  if (usable.length === 0 || total <= 0) throw new RangeError("assignArm: no arm with a positive weight");
  const v = ((u - control) / (1 - control)) * total;
  let cumulative = 0;
  for (const arm of usable) {
    cumulative += arm.weight;
    if (v < cumulative) return { arm: arm.id, control: false };
  }
  // Floating-point rounding at the very top of the range.
  return { arm: usable[usable.length - 1]!.id, control: false };
}
