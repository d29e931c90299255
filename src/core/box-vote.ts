const f32 = Math.fround;

/** Grid cells per side used to find the candidates near a group's top box. */
const GRID = 32;

/** insightface stops voting after this many boxes (`bbox_vote`). */
export const BOX_VOTE_MAX_GROUPS = 750;

/** The groups `boxVote` found: one merged box per group, best first, and each group's members. */
export interface VotedGroups {
  count: number;
  /** Merged `x1, y1, x2, y2` per group (score-weighted means of the members' corners). */
  boxes: Float32Array;
  /** Per group: the best member score. */
  scores: Float32Array;
  /**
   * Group g's candidates are `members[memberStart[g] .. memberStart[g + 1])`, best first (the order in which
   * the vote sums them); the same weights can merge anything else the candidates carry, e.g. landmarks.
   */
  memberStart: Int32Array;
  members: Int32Array;
}

/** Reusable memory for `boxVote`, grown on demand; also holds the result it returns. */
export class BoxVoteScratch implements VotedGroups {
  count = 0;
  boxes = new Float32Array(0);
  scores = new Float32Array(0);
  memberStart = new Int32Array(1);
  members = new Int32Array(0);
  areas = new Float32Array(0);
  rank = new Int32Array(0);
  removed = new Uint8Array(0);
  /** Per candidate: the group (top rank) that last tested it, so a candidate in several cells is tested once. */
  checkedBy = new Int32Array(0);
  group = new Int32Array(0);
  /** The current group's scores, in member order. */
  weights = new Float32Array(0);
  cellHead = new Int32Array(GRID * GRID);
  entryCandidate = new Int32Array(0);
  entryNext = new Int32Array(0);

  ensure(count: number, groups: number): void {
    if (this.areas.length < count) {
      this.areas = new Float32Array(count);
      this.rank = new Int32Array(count);
      this.removed = new Uint8Array(count);
      this.checkedBy = new Int32Array(count);
      this.group = new Int32Array(count);
      this.weights = new Float32Array(count);
      this.members = new Int32Array(count);
    }
    if (this.scores.length < groups) {
      this.boxes = new Float32Array(4 * groups);
      this.scores = new Float32Array(groups);
      this.memberStart = new Int32Array(groups + 1);
    }
  }

  ensureEntries(count: number): void {
    if (this.entryCandidate.length < count) {
      const size = Math.max(count, 2 * this.entryCandidate.length, 1024);
      const candidate = new Int32Array(size);
      const next = new Int32Array(size);
      candidate.set(this.entryCandidate);
      next.set(this.entryNext);
      this.entryCandidate = candidate;
      this.entryNext = next;
    }
  }
}

/**
 * numpy's float32 `sum` of a strided column (pairwise summation: 8 accumulators for up to 128 values, halves
 * above), which is how insightface's vote totals a group's scores.
 */
export function numpyFloat32Sum(values: Float32Array, from: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = f32(sum + values[from + i]);
    return sum;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[from + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j] + values[from + i + j]);
    let sum = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
    for (; i < n; i++) sum = f32(sum + values[from + i]);
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return f32(numpyFloat32Sum(values, from, half) + numpyFloat32Sum(values, from + half, n - half));
}

/**
 * insightface's box voting (`RetinaFace.bbox_vote`, used by its WIDER FACE multi-scale test; spec §A.8), exactly,
 * in float32 like the reference: take the best remaining box; its group is every remaining box whose IoU with it
 * (+1 convention) is at least `iouThreshold`, itself included; remove the group. A group of two or more becomes
 * one box, the score-weighted mean of the members' corners, scored with the best member's score; a lone box is
 * dropped, unless it was the very last box left. Stops after `maxGroups` boxes (750 upstream).
 *
 * `boxes` holds x1, y1, x2, y2 per candidate and `order` lists candidate indices best first (sorted by score,
 * descending). The result lives in `scratch` until its next use. One deviation, where upstream has no answer: a
 * box of zero or negative +1 area (IoU with itself not a number; upstream would loop forever) still forms its
 * own group.
 *
 * Only boxes that share a cell of a coarse grid are compared (a positive IoU needs a positive +1
 * intersection); the result is that of the plain loop.
 */
export function boxVote(
  boxes: Float32Array,
  scores: Float32Array,
  order: Int32Array,
  count: number,
  iouThreshold: number,
  maxGroups: number,
  scratch: BoxVoteScratch,
): VotedGroups {
  scratch.count = 0;
  scratch.memberStart[0] = 0;
  if (count === 0 || maxGroups < 1) return scratch;
  scratch.ensure(count, Math.min(count, maxGroups));
  const { areas, rank, removed, checkedBy, group, cellHead } = scratch;
  const threshold = f32(iouThreshold);
  // With a threshold of 0 or less, boxes that do not touch (IoU 0) join a group too: no grid then.
  const everyBox = !(threshold > 0);

  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let r = 0; r < count; r++) {
    const c = order[r];
    const i = 4 * c;
    areas[c] = f32(f32(f32(boxes[i + 2] - boxes[i]) + 1) * f32(f32(boxes[i + 3] - boxes[i + 1]) + 1));
    rank[c] = r;
    removed[c] = 0;
    checkedBy[c] = -1;
    minX = Math.min(minX, boxes[i]);
    minY = Math.min(minY, boxes[i + 1]);
    maxX = Math.max(maxX, boxes[i + 2] + 1);
    maxY = Math.max(maxY, boxes[i + 3] + 1);
  }
  const cellW = Math.max((maxX - minX) / GRID, 1e-6);
  const cellH = Math.max((maxY - minY) / GRID, 1e-6);
  const cellX = (x: number) => Math.min(GRID - 1, Math.max(0, Math.floor((x - minX) / cellW)));
  const cellY = (y: number) => Math.min(GRID - 1, Math.max(0, Math.floor((y - minY) / cellH)));
  const cellsOf = (c: number): [number, number, number, number] => {
    const i = 4 * c;
    return [cellX(boxes[i]), cellX(boxes[i + 2] + 1), cellY(boxes[i + 1]), cellY(boxes[i + 3] + 1)];
  };

  cellHead.fill(-1);
  if (!everyBox) {
    let entries = 0;
    for (let r = count - 1; r >= 0; r--) {
      const c = order[r];
      const [gx1, gx2, gy1, gy2] = cellsOf(c);
      scratch.ensureEntries(entries + (gx2 - gx1 + 1) * (gy2 - gy1 + 1));
      for (let gy = gy1; gy <= gy2; gy++) {
        for (let gx = gx1; gx <= gx2; gx++) {
          scratch.entryCandidate[entries] = c;
          scratch.entryNext[entries] = cellHead[gy * GRID + gx];
          cellHead[gy * GRID + gx] = entries++;
        }
      }
    }
  }

  /** IoU of the top box t with candidate c, in the reference's float32 order of operations. */
  const joins = (t: number, c: number): boolean => {
    const i = 4 * t;
    const j = 4 * c;
    const w = Math.max(0, f32(f32(Math.min(boxes[i + 2], boxes[j + 2]) - Math.max(boxes[i], boxes[j])) + 1));
    const h = Math.max(0, f32(f32(Math.min(boxes[i + 3], boxes[j + 3]) - Math.max(boxes[i + 1], boxes[j + 1])) + 1));
    const inter = f32(w * h);
    return f32(inter / f32(f32(areas[t] + areas[c]) - inter)) >= threshold;
  };

  let left = count;
  let next = 0;
  let groups = 0;
  let memberCount = 0;
  while (left > 0 && groups < maxGroups) {
    while (removed[order[next]]) next++;
    const top = order[next];
    let size = 0;
    if (everyBox) {
      for (let r = next; r < count; r++) {
        const c = order[r];
        if (!removed[c] && (c === top || joins(top, c))) group[size++] = r;
      }
    } else {
      group[size++] = next;
      checkedBy[top] = next;
      const [gx1, gx2, gy1, gy2] = cellsOf(top);
      for (let gy = gy1; gy <= gy2; gy++) {
        for (let gx = gx1; gx <= gx2; gx++) {
          const cell = gy * GRID + gx;
          let previous = -1;
          for (let e = cellHead[cell]; e !== -1; e = scratch.entryNext[e]) {
            const c = scratch.entryCandidate[e];
            if (removed[c]) {
              // Unlink: each cell's list sheds its removed candidates once.
              if (previous === -1) cellHead[cell] = scratch.entryNext[e];
              else scratch.entryNext[previous] = scratch.entryNext[e];
              continue;
            }
            previous = e;
            if (checkedBy[c] === next) continue;
            checkedBy[c] = next;
            if (joins(top, c)) group[size++] = rank[c];
          }
        }
      }
      // Sum in the reference's order: ascending rank.
      group.subarray(0, size).sort();
    }
    for (let k = 0; k < size; k++) removed[order[group[k]]] = 1;
    left -= size;
    if (size === 1 && left > 0) continue;

    const o = 4 * groups;
    const start = memberCount;
    for (let k = 0; k < size; k++) scratch.members[memberCount++] = order[group[k]];
    if (size === 1) {
      const c = scratch.members[start];
      scratch.boxes.set(boxes.subarray(4 * c, 4 * c + 4), o);
      scratch.scores[groups] = scores[c];
    } else {
      // numpy: corners × score in float32, summed row after row; the score column summed pairwise.
      let best = -Infinity;
      let x1 = 0;
      let y1 = 0;
      let x2 = 0;
      let y2 = 0;
      for (let k = 0; k < size; k++) {
        const c = scratch.members[start + k];
        const s = scores[c];
        scratch.weights[k] = s;
        best = Math.max(best, s);
        x1 = f32(x1 + f32(boxes[4 * c] * s));
        y1 = f32(y1 + f32(boxes[4 * c + 1] * s));
        x2 = f32(x2 + f32(boxes[4 * c + 2] * s));
        y2 = f32(y2 + f32(boxes[4 * c + 3] * s));
      }
      const weight = numpyFloat32Sum(scratch.weights, 0, size);
      scratch.boxes[o] = f32(x1 / weight);
      scratch.boxes[o + 1] = f32(y1 / weight);
      scratch.boxes[o + 2] = f32(x2 / weight);
      scratch.boxes[o + 3] = f32(y2 / weight);
      scratch.scores[groups] = best;
    }
    groups++;
    scratch.memberStart[groups] = memberCount;
  }
  scratch.count = groups;
  return scratch;
}
