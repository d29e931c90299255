import type { OverlapRule } from './family-decoder.ts';

const f32 = Math.fround;

/** Grid cells per side used to find the kept boxes near a candidate. */
const GRID = 32;

/** Reusable scratch memory for `nonMaxSuppression`, grown on demand (no allocation in steady state). */
export class NmsScratch {
  areas = new Float32Array(0);
  /** Integer areas for `'opencv-rect'` (beyond float32's exact integers for large boxes). */
  rectAreas = new Float64Array(0);
  /** Per kept box: the candidate rank that last checked it (so a box spanning several cells is tested once). */
  checkedBy = new Int32Array(0);
  /** Per grid cell: first entry of its list of kept boxes, or −1. */
  cellHead = new Int32Array(GRID * GRID);
  /** Per entry: the kept box (index into `keep`) and the next entry of the same cell. */
  entryKept = new Int32Array(0);
  entryNext = new Int32Array(0);

  ensure(count: number, overlap: OverlapRule): void {
    if (this.areas.length < count) {
      this.areas = new Float32Array(count);
      this.checkedBy = new Int32Array(count);
    }
    if (overlap === 'opencv-rect' && this.rectAreas.length < count) this.rectAreas = new Float64Array(count);
  }

  ensureEntries(count: number): void {
    if (this.entryKept.length < count) {
      const size = Math.max(count, 2 * this.entryKept.length, 1024);
      const kept = new Int32Array(size);
      const next = new Int32Array(size);
      kept.set(this.entryKept);
      next.set(this.entryNext);
      this.entryKept = kept;
      this.entryNext = next;
    }
  }
}

/**
 * Greedy NMS: walk `order` (best first), keep a box unless a kept box overlaps it with IoU greater than
 * `iouThreshold` (compared in float32). `boxes` holds x1, y1, x2, y2 per candidate; `order` lists candidate
 * indices. Writes kept candidate indices to `keep` (best first) and returns how many (at most `maxKeep`).
 *
 * `overlap` is the family's IoU: `'inclusive-pixels'` (default) is the +1 convention in float32 of both RetinaFace
 * references (spec §A.8, §B.6); `'opencv-rect'` is OpenCV's `NMSFast_` with `rectOverlap` on integer rectangles
 * (`modules/dnn/src/nms.cpp`, `jaccardDistance` and `Rect::operator&=` in `core/types.hpp`).
 *
 * The result is exactly that of the plain O(n²) loop; kept boxes are filed in a coarse grid so a candidate is
 * only tested against kept boxes it can touch (two boxes with a positive +1 intersection share a cell, and so do
 * two with a positive intersection without the +1). The one overlap between boxes that do not touch, OpenCV's
 * two empty rectangles (IoU 1), is tracked on its own.
 */
export function nonMaxSuppression(
  boxes: Float32Array,
  order: Int32Array,
  count: number,
  iouThreshold: number,
  maxKeep: number,
  keep: Int32Array,
  scratch: NmsScratch,
  overlap: OverlapRule = 'inclusive-pixels',
): number {
  if (count === 0 || maxKeep < 1) return 0;
  scratch.ensure(count, overlap);
  const { areas, rectAreas, checkedBy, cellHead } = scratch;
  const threshold = f32(iouThreshold);
  const opencv = overlap === 'opencv-rect';
  // OpenCV: two empty rectangles have jaccardDistance 0, so overlap 1; an empty one is suppressed by a kept one.
  const emptySuppressesEmpty = f32(1) > threshold;
  let emptyKept = false;

  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let c = 0; c < count; c++) {
    const i = 4 * c;
    if (opencv) rectAreas[c] = (boxes[i + 2] - boxes[i]) * (boxes[i + 3] - boxes[i + 1]);
    else areas[c] = f32(f32(f32(boxes[i + 2] - boxes[i]) + 1) * f32(f32(boxes[i + 3] - boxes[i + 1]) + 1));
    minX = Math.min(minX, boxes[i]);
    minY = Math.min(minY, boxes[i + 1]);
    maxX = Math.max(maxX, boxes[i + 2] + 1);
    maxY = Math.max(maxY, boxes[i + 3] + 1);
  }
  const cellW = Math.max((maxX - minX) / GRID, 1e-6);
  const cellH = Math.max((maxY - minY) / GRID, 1e-6);
  const cellX = (x: number) => Math.min(GRID - 1, Math.max(0, Math.floor((x - minX) / cellW)));
  const cellY = (y: number) => Math.min(GRID - 1, Math.max(0, Math.floor((y - minY) / cellH)));
  cellHead.fill(-1);
  let entries = 0;

  let kept = 0;
  for (let r = 0; r < count && kept < maxKeep; r++) {
    const c = order[r];
    const i = 4 * c;
    const x1 = boxes[i];
    const y1 = boxes[i + 1];
    const x2 = boxes[i + 2];
    const y2 = boxes[i + 3];
    const gx1 = cellX(x1);
    const gx2 = cellX(x2 + 1);
    const gy1 = cellY(y1);
    const gy2 = cellY(y2 + 1);

    // OpenCV: an empty rectangle is suppressed by any empty one kept before it, wherever that is.
    let suppressed = opencv && rectAreas[c] === 0 && emptyKept && emptySuppressesEmpty;
    search: for (let gy = gy1; gy <= gy2 && !suppressed; gy++) {
      for (let gx = gx1; gx <= gx2; gx++) {
        for (let e = cellHead[gy * GRID + gx]; e !== -1; e = scratch.entryNext[e]) {
          const k = scratch.entryKept[e];
          if (checkedBy[k] === r) continue;
          checkedBy[k] = r;
          const kc = keep[k];
          const j = 4 * kc;
          if (opencv) {
            if (rectOverlap(rectAreas[c], rectAreas[kc], x1, y1, x2, y2, boxes, j) > threshold) {
              suppressed = true;
              break search;
            }
            continue;
          }
          const w = f32(f32(Math.min(x2, boxes[j + 2]) - Math.max(x1, boxes[j])) + 1);
          if (w <= 0) continue;
          const h = f32(f32(Math.min(y2, boxes[j + 3]) - Math.max(y1, boxes[j + 1])) + 1);
          if (h <= 0) continue;
          const inter = f32(w * h);
          if (f32(inter / f32(f32(areas[kc] + areas[c]) - inter)) > threshold) {
            suppressed = true;
            break search;
          }
        }
      }
    }
    if (suppressed) continue;
    if (opencv && rectAreas[c] === 0) emptyKept = true;

    checkedBy[kept] = -1;
    scratch.ensureEntries(entries + (gx2 - gx1 + 1) * (gy2 - gy1 + 1));
    for (let gy = gy1; gy <= gy2; gy++) {
      for (let gx = gx1; gx <= gx2; gx++) {
        scratch.entryKept[entries] = kept;
        scratch.entryNext[entries] = cellHead[gy * GRID + gx];
        cellHead[gy * GRID + gx] = entries++;
      }
    }
    keep[kept++] = c;
  }
  return kept;
}

/**
 * OpenCV's `rectOverlap(a, b) = 1.f − (float)jaccardDistance(a, b)` for integer rectangles given as corners:
 * `jaccardDistance` returns 0 when both areas are 0, else 1 − I/(A + B − I) in double, where the intersection
 * (`Rect::operator&=`) is empty unless its width and height are both positive.
 */
function rectOverlap(areaA: number, areaB: number, x1: number, y1: number, x2: number, y2: number, boxes: Float32Array, j: number): number {
  if (areaA + areaB <= 0) return 1;
  const w = Math.min(x2, boxes[j + 2]) - Math.max(x1, boxes[j]);
  const h = Math.min(y2, boxes[j + 3]) - Math.max(y1, boxes[j + 1]);
  const inter = w > 0 && h > 0 ? w * h : 0;
  return f32(1 - f32(1 - inter / (areaA + areaB - inter)));
}
