import { boxLowerBoundM, circleBBox, normalizeLng } from "./geo-math";
import { type Fence, fenceBBox, fenceContains, fenceDistanceM } from "./fence";
import { PackedRTree } from "./packed-rtree";

/**
 * All of an app's enabled fences, compiled once per config version: a packed
 * R-tree over their bounding boxes (in [-180, 180] longitude — a box crossing
 * the antimeridian is entered twice, once on each side) plus a map by id.
 */
export class FenceIndex {
  readonly fences: readonly Fence[];
  private readonly tree: PackedRTree;
  /** Tree item → fence position. */
  private readonly itemFence: Uint32Array;
  private readonly byIdMap: Map<string, Fence>;

  constructor(fences: readonly Fence[]) {
    this.fences = fences;
    this.byIdMap = new Map(fences.map((f) => [f.id, f]));
    const boxes: number[] = [];
    const owners: number[] = [];
    fences.forEach((f, i) => {
      const [minLng, minLat, maxLng, maxLat] = fenceBBox(f);
      boxes.push(minLng, minLat, Math.min(maxLng, 180), maxLat);
      owners.push(i);
      if (maxLng > 180) {
        boxes.push(-180, minLat, maxLng - 360, maxLat);
        owners.push(i);
      }
    });
    this.tree = new PackedRTree(owners.length);
    for (let i = 0; i < boxes.length; i += 4) this.tree.add(boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!);
    this.tree.finish();
    this.itemFence = Uint32Array.from(owners);
  }

  get size(): number {
    return this.fences.length;
  }

  /** Bytes held in typed arrays by the index (the fences' own geometry excluded). */
  get indexBytes(): number {
    return this.tree.byteLength + this.itemFence.byteLength;
  }

  byId(id: string): Fence | undefined {
    return this.byIdMap.get(id);
  }

  /** Fences whose bounding box holds the point (a superset of the fences containing it). */
  candidates(lat: number, lng: number, visit: (fence: Fence) => void): void {
    const x = normalizeLng(lng);
    this.tree.search(x, lat, x, lat, (item) => visit(this.fences[this.itemFence[item]!]!));
  }

  /** Fences whose bounding box comes within `radiusM` of the point (a fix and its accuracy circle). */
  candidatesNear(lat: number, lng: number, radiusM: number): Fence[] {
    const seen = new Set<number>();
    const [minLng, minLat, maxLng, maxLat] = circleBBox(lat, lng, radiusM);
    const collect = (item: number) => void seen.add(this.itemFence[item]!);
    this.tree.search(minLng, minLat, Math.min(maxLng, 180), maxLat, collect);
    if (maxLng > 180) this.tree.search(-180, minLat, maxLng - 360, maxLat, collect);
    return [...seen].sort((a, b) => a - b).map((i) => this.fences[i]!);
  }

  /** Fences containing the point (exact test on the index's candidates). */
  containing(lat: number, lng: number): Fence[] {
    const out: Fence[] = [];
    this.candidates(lat, lng, (f) => {
      if (fenceContains(f, lat, lng)) out.push(f);
    });
    return out;
  }

  /**
   * The k fences nearest the point (distance to the edge; 0 inside), nearest
   * first, within `maxDistanceM`. A fence split at the antimeridian appears once.
   */
  nearest(lat: number, lng: number, k: number, maxDistanceM = Infinity): Array<{ fence: Fence; distanceM: number }> {
    const x = normalizeLng(lng);
    const out: Array<{ fence: Fence; distanceM: number }> = [];
    const seen = new Set<number>();
    // Ask for a few extra so fences entered twice (antimeridian) cannot crowd out others.
    const hits = this.tree.nearest(
      k * 2,
      maxDistanceM,
      (minX, minY, maxX, maxY) => boxLowerBoundM(lat, x, minX, minY, maxX, maxY),
      (item) => fenceDistanceM(this.fences[this.itemFence[item]!]!, lat, x),
    );
    for (const h of hits) {
      const i = this.itemFence[h.item]!;
      if (seen.has(i)) continue;
      seen.add(i);
      out.push({ fence: this.fences[i]!, distanceM: h.distance });
      if (out.length === k) break;
    }
    return out;
  }
}

/** Reference implementations for tests and the benchmark: every fence, no index. */
export function bruteForceContaining(fences: readonly Fence[], lat: number, lng: number): Fence[] {
  return fences.filter((f) => fenceContains(f, lat, lng));
}

export function bruteForceNearest(
  fences: readonly Fence[],
  lat: number,
  lng: number,
  k: number,
): Array<{ fence: Fence; distanceM: number }> {
  return fences
    .map((fence) => ({ fence, distanceM: fenceDistanceM(fence, lat, lng) }))
    .sort((a, b) => a.distanceM - b.distanceM)
    .slice(0, k);
}
