/**
 * A deliberately plain box vote, written from `../shared/spec/retinaface.md` §A.8 ("Box voting") and numpy's
 * float32 arithmetic, as the yardstick for `src/core/box-vote.ts`. Imports nothing from `src/`. It keeps the
 * remaining boxes in a list, best first, and really deletes the merged ones; every IoU is computed against every
 * remaining box.
 */

const f32 = Math.fround;

export interface ReferenceVoteBox {
  /** x1, y1, x2, y2, score (float32 values). */
  row: [number, number, number, number, number];
  /** Indices of the input rows merged into it, best first. */
  members: number[];
}

/** numpy's float32 sum of a column: pairwise (blocks of 8 accumulators up to 128 values, halves above). */
export function referencePairwiseSum(v: number[]): number {
  const n = v.length;
  if (n < 8) return v.reduce((s, x) => f32(s + x), 0);
  if (n <= 128) {
    const r = v.slice(0, 8);
    const blocks = n - (n % 8);
    for (let i = 8; i < blocks; i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j] + v[i + j]);
    let s = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
    for (let i = blocks; i < n; i++) s = f32(s + v[i]);
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return f32(referencePairwiseSum(v.slice(0, half)) + referencePairwiseSum(v.slice(half)));
}

/** Rows sorted by score, best first. */
export function referenceBoxVote(rows: [number, number, number, number, number][], iouThreshold: number, maxBoxes = 750): ReferenceVoteBox[] {
  let det = rows.map((row, index) => ({ row: row.map(f32) as typeof row, index }));
  const t = f32(iouThreshold);
  const out: ReferenceVoteBox[] = [];
  while (det.length > 0 && out.length < maxBoxes) {
    const top = det[0].row;
    const area = (b: number[]) => f32(f32(f32(b[2] - b[0]) + 1) * f32(f32(b[3] - b[1]) + 1));
    const merged = det.filter(({ row: b }, k) => {
      const w = Math.max(0, f32(f32(Math.min(top[2], b[2]) - Math.max(top[0], b[0])) + 1));
      const h = Math.max(0, f32(f32(Math.min(top[3], b[3]) - Math.max(top[1], b[1])) + 1));
      const inter = f32(w * h);
      const iou = f32(inter / f32(f32(area(top) + area(b)) - inter));
      return iou >= t || k === 0; // the top box always belongs to its own group
    });
    det = det.filter((d) => !merged.includes(d));
    if (merged.length <= 1) {
      if (det.length === 0) out.push({ row: merged[0].row, members: [merged[0].index] });
      continue;
    }
    const sum = [0, 0, 0, 0];
    for (const { row } of merged) for (let d = 0; d < 4; d++) sum[d] = f32(sum[d] + f32(row[d] * row[4]));
    const weight = referencePairwiseSum(merged.map(({ row }) => row[4]));
    const best = Math.max(...merged.map(({ row }) => row[4]));
    out.push({ row: [f32(sum[0] / weight), f32(sum[1] / weight), f32(sum[2] / weight), f32(sum[3] / weight), best], members: merged.map((m) => m.index) });
  }
  return out.slice(0, maxBoxes);
}
