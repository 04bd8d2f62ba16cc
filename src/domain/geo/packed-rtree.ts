/**
 * A static, packed R-tree over axis-aligned boxes (the Flatbush layout, written
 * here to avoid a dependency): items sorted along a Hilbert curve, grouped
 * `nodeSize` to a node, levels stored bottom-up in one Float64Array. Built once,
 * then queried without allocation. Memory: 8 × 4 bytes per node + 4 bytes per
 * node index, about 36 × 1.07 bytes per item with nodeSize 16.
 */
export class PackedRTree {
  readonly numItems: number;
  readonly nodeSize: number;
  readonly boxes: Float64Array;
  readonly indices: Uint32Array;
  private readonly levelBounds: number[];
  private pos = 0;
  private readonly stack: number[] = [];

  constructor(numItems: number, nodeSize = 16) {
    this.numItems = numItems;
    this.nodeSize = Math.min(Math.max(nodeSize, 2), 65535);
    let n = numItems;
    let numNodes = n;
    this.levelBounds = [n * 4];
    if (n > 0) {
      do {
        n = Math.ceil(n / this.nodeSize);
        numNodes += n;
        this.levelBounds.push(numNodes * 4);
      } while (n !== 1);
    }
    this.boxes = new Float64Array(numNodes * 4);
    this.indices = new Uint32Array(numNodes);
  }

  get byteLength(): number {
    return this.boxes.byteLength + this.indices.byteLength;
  }

  /** Adds an item's box; returns its index (the order of `add` calls). */
  add(minX: number, minY: number, maxX: number, maxY: number): number {
    const index = this.pos >> 2;
    this.indices[index] = index;
    this.boxes[this.pos++] = minX;
    this.boxes[this.pos++] = minY;
    this.boxes[this.pos++] = maxX;
    this.boxes[this.pos++] = maxY;
    return index;
  }

  finish(): this {
    const n = this.numItems;
    if (this.pos >> 2 !== n) throw new Error(`added ${this.pos >> 2} items instead of ${n}`);
    if (n === 0) return this;
    const b = this.boxes;
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < n * 4; i += 4) {
      if (b[i]! < minX) minX = b[i]!;
      if (b[i + 1]! < minY) minY = b[i + 1]!;
      if (b[i + 2]! > maxX) maxX = b[i + 2]!;
      if (b[i + 3]! > maxY) maxY = b[i + 3]!;
    }
    // Sort items by the Hilbert value of their centres (16-bit grid over the total bounds).
    const w = maxX - minX || 1,
      h = maxY - minY || 1;
    const hv = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const x = Math.floor((65535 * ((b[4 * i]! + b[4 * i + 2]!) / 2 - minX)) / w);
      const y = Math.floor((65535 * ((b[4 * i + 1]! + b[4 * i + 3]!) / 2 - minY)) / h);
      hv[i] = hilbert(x, y);
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((p, q) => hv[p]! - hv[q]!);
    const sortedBoxes = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      sortedBoxes.set(b.subarray(4 * s, 4 * s + 4), 4 * i);
      this.indices[i] = s;
    }
    b.set(sortedBoxes, 0);
    // Parents, level by level: each holds its children's union and the position of its first child.
    let pos = 0;
    for (let level = 0; level < this.levelBounds.length - 1; level++) {
      const end = this.levelBounds[level]!;
      while (pos < end) {
        const nodeIndex = pos;
        let nMinX = Infinity,
          nMinY = Infinity,
          nMaxX = -Infinity,
          nMaxY = -Infinity;
        for (let i = 0; i < this.nodeSize && pos < end; i++, pos += 4) {
          nMinX = Math.min(nMinX, b[pos]!);
          nMinY = Math.min(nMinY, b[pos + 1]!);
          nMaxX = Math.max(nMaxX, b[pos + 2]!);
          nMaxY = Math.max(nMaxY, b[pos + 3]!);
        }
        this.indices[this.pos >> 2] = nodeIndex;
        b[this.pos++] = nMinX;
        b[this.pos++] = nMinY;
        b[this.pos++] = nMaxX;
        b[this.pos++] = nMaxY;
      }
    }
    return this;
  }

  private upperBound(value: number): number {
    let i = 0,
      j = this.levelBounds.length - 1;
    while (i < j) {
      const m = (i + j) >> 1;
      if (this.levelBounds[m]! > value) j = m;
      else i = m + 1;
    }
    return this.levelBounds[i]!;
  }

  /** Calls `visit(item)` for every item whose box intersects the query box. */
  search(minX: number, minY: number, maxX: number, maxY: number, visit: (item: number) => void): void {
    if (this.numItems === 0) return;
    const b = this.boxes;
    const stack = this.stack;
    stack.length = 0;
    let nodeIndex: number | undefined = b.length - 4;
    const leafEnd = this.numItems * 4;
    while (nodeIndex !== undefined) {
      const end = Math.min(nodeIndex + this.nodeSize * 4, this.upperBound(nodeIndex));
      for (let pos = nodeIndex; pos < end; pos += 4) {
        if (maxX < b[pos]! || maxY < b[pos + 1]! || minX > b[pos + 2]! || minY > b[pos + 3]!) continue;
        const index = this.indices[pos >> 2]!;
        if (nodeIndex >= leafEnd) stack.push(index);
        else visit(index);
      }
      nodeIndex = stack.pop();
    }
  }

  /**
   * Best-first walk in order of a lower bound on distance: `boxBound(minX, minY, maxX, maxY)`
   * must never exceed `exact(item)`. Returns up to `k` items with exact distance ≤ maxDistance,
   * nearest first.
   */
  nearest(
    k: number,
    maxDistance: number,
    boxBound: (minX: number, minY: number, maxX: number, maxY: number) => number,
    exact: (item: number) => number,
  ): Array<{ item: number; distance: number }> {
    const found: Array<{ item: number; distance: number }> = [];
    if (this.numItems === 0 || k <= 0) return found;
    const b = this.boxes;
    const leafEnd = this.numItems * 4;
    // One heap holds nodes (by bound) and items (by exact distance, flagged by a negative id).
    const heap = new MinHeap();
    let nodeIndex: number | undefined = b.length - 4;
    while (nodeIndex !== undefined) {
      const end = Math.min(nodeIndex + this.nodeSize * 4, this.upperBound(nodeIndex));
      for (let pos = nodeIndex; pos < end; pos += 4) {
        const bound = boxBound(b[pos]!, b[pos + 1]!, b[pos + 2]!, b[pos + 3]!);
        if (bound > maxDistance) continue;
        const index = this.indices[pos >> 2]!;
        if (nodeIndex >= leafEnd) heap.push(index, bound);
        else {
          const d = exact(index);
          if (d <= maxDistance) heap.push(-1 - index, d);
        }
      }
      nodeIndex = undefined;
      while (heap.size > 0) {
        const id = heap.peekId();
        if (id < 0) {
          const distance = heap.peekValue();
          heap.pop();
          found.push({ item: -1 - id, distance });
          if (found.length === k) return found;
        } else {
          nodeIndex = id;
          heap.pop();
          break;
        }
      }
    }
    return found;
  }
}

/** Binary min-heap of (id, value) in parallel arrays. */
class MinHeap {
  private ids: number[] = [];
  private values: number[] = [];
  get size() {
    return this.ids.length;
  }
  peekId() {
    return this.ids[0]!;
  }
  peekValue() {
    return this.values[0]!;
  }
  push(id: number, value: number) {
    let i = this.ids.length;
    this.ids.push(id);
    this.values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.values[parent]! <= value) break;
      this.ids[i] = this.ids[parent]!;
      this.values[i] = this.values[parent]!;
      i = parent;
    }
    this.ids[i] = id;
    this.values[i] = value;
  }
  pop() {
    const lastId = this.ids.pop()!;
    const lastValue = this.values.pop()!;
    const n = this.ids.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.values[child + 1]! < this.values[child]!) child++;
      if (this.values[child]! >= lastValue) break;
      this.ids[i] = this.ids[child]!;
      this.values[i] = this.values[child]!;
      i = child;
    }
    this.ids[i] = lastId;
    this.values[i] = lastValue;
  }
}

/** Position along a Hilbert curve of a 16-bit (x, y) (after Fabian Giesen's "Fast Hilbert curve"). */
function hilbert(x: number, y: number): number {
  let a = x ^ y;
  let b = 0xffff ^ a;
  let c = 0xffff ^ (x | y);
  let d = x & (y ^ 0xffff);
  let A = a | (b >> 1);
  let B = (a >> 1) ^ a;
  let C = (c >> 1) ^ (b & (d >> 1)) ^ c;
  let D = (a & (c >> 1)) ^ (d >> 1) ^ d;

  a = A;
  b = B;
  c = C;
  d = D;
  A = (a & (a >> 2)) ^ (b & (b >> 2));
  B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2));
  C ^= (a & (c >> 2)) ^ (b & (d >> 2));
  D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2));

  a = A;
  b = B;
  c = C;
  d = D;
  A = (a & (a >> 4)) ^ (b & (b >> 4));
  B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4));
  C ^= (a & (c >> 4)) ^ (b & (d >> 4));
  D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4));

  a = A;
  b = B;
  c = C;
  d = D;
  C ^= (a & (c >> 8)) ^ (b & (d >> 8));
  D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8));

  a = C ^ (C >> 1);
  b = D ^ (D >> 1);
  let i0 = x ^ y;
  let i1 = b | (0xffff ^ (i0 | a));
  i0 = (i0 | (i0 << 8)) & 0x00ff00ff;
  i0 = (i0 | (i0 << 4)) & 0x0f0f0f0f;
  i0 = (i0 | (i0 << 2)) & 0x33333333;
  i0 = (i0 | (i0 << 1)) & 0x55555555;
  i1 = (i1 | (i1 << 8)) & 0x00ff00ff;
  i1 = (i1 | (i1 << 4)) & 0x0f0f0f0f;
  i1 = (i1 | (i1 << 2)) & 0x33333333;
  i1 = (i1 | (i1 << 1)) & 0x55555555;
  return ((i1 << 1) | i0) >>> 0;
}
