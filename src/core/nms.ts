const f32 = Math.fround;

/** Reusable scratch memory for `nonMaxSuppression`, grown on demand. */
export class NmsScratch {
  areas = new Float32Array(0);
  suppressed = new Uint8Array(0);

  ensure(count: number): void {
    if (this.suppressed.length < count) {
      this.areas = new Float32Array(count);
      this.suppressed = new Uint8Array(count);
    }
  }
}

/**
 * Greedy NMS with the +1 (inclusive pixel) convention in float32, as both reference implementations do
 * (spec §A.8, §B.6): walk `order` (best first), keep a box, suppress later boxes whose IoU with it is
 * greater than `iouThreshold`. `boxes` holds x1, y1, x2, y2 per candidate; `order` lists candidate indices.
 * Writes kept candidate indices to `keep` and returns how many (at most `maxKeep`).
 */
export function nonMaxSuppression(
  boxes: Float32Array,
  order: Int32Array,
  count: number,
  iouThreshold: number,
  maxKeep: number,
  keep: Int32Array,
  scratch: NmsScratch,
): number {
  scratch.ensure(count);
  const { areas, suppressed } = scratch;
  const threshold = f32(iouThreshold);
  for (let c = 0; c < count; c++) {
    const i = 4 * order[c];
    areas[c] = f32(f32(f32(boxes[i + 2] - boxes[i]) + 1) * f32(f32(boxes[i + 3] - boxes[i + 1]) + 1));
    suppressed[c] = 0;
  }
  let kept = 0;
  for (let c = 0; c < count && kept < maxKeep; c++) {
    if (suppressed[c]) continue;
    const i = 4 * order[c];
    keep[kept++] = order[c];
    const x1 = boxes[i];
    const y1 = boxes[i + 1];
    const x2 = boxes[i + 2];
    const y2 = boxes[i + 3];
    for (let d = c + 1; d < count; d++) {
      if (suppressed[d]) continue;
      const j = 4 * order[d];
      const w = f32(f32(Math.min(x2, boxes[j + 2]) - Math.max(x1, boxes[j])) + 1);
      if (w <= 0) continue;
      const h = f32(f32(Math.min(y2, boxes[j + 3]) - Math.max(y1, boxes[j + 1])) + 1);
      if (h <= 0) continue;
      const inter = f32(w * h);
      const iou = f32(inter / f32(f32(areas[c] + areas[d]) - inter));
      if (iou > threshold) suppressed[d] = 1;
    }
  }
  return kept;
}
