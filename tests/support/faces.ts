import type { Face } from '../../src/core/index.ts';
import type { ReferenceFace } from '../reference/reference-decoder.ts';

/** A face as corners + flat landmarks, the common shape for comparisons. */
export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  landmarks: number[];
}

/** A detector `Face` (or the CLI's JSON of one) as corners. */
export function corners(face: Face): Corners {
  return {
    x1: face.box.x,
    y1: face.box.y,
    x2: face.box.x + face.box.width,
    y2: face.box.y + face.box.height,
    score: face.score,
    landmarks: face.landmarks.flat(),
  };
}

export const fromReference = (f: ReferenceFace): Corners => ({ ...f, landmarks: [...f.landmarks] });

export interface Tolerance {
  /** Largest coordinate difference in pixels. Defaults to 1e-3. */
  px?: number;
  /** Largest score difference. Defaults to 1e-6. */
  score?: number;
}

function worstDifference(a: Corners, b: Corners): { px: number; score: number } {
  let px = Math.max(Math.abs(a.x1 - b.x1), Math.abs(a.y1 - b.y1), Math.abs(a.x2 - b.x2), Math.abs(a.y2 - b.y2));
  for (let k = 0; k < 10; k++) px = Math.max(px, Math.abs(a.landmarks[k] - b.landmarks[k]));
  return { px, score: Math.abs(a.score - b.score) };
}

const describe = (f: Corners) =>
  `score ${f.score} box [${[f.x1, f.y1, f.x2, f.y2].map((v) => v.toFixed(4)).join(', ')}]`;

/**
 * Compares two detections as sets (the spec leaves the order of equal scores to the implementation): every face
 * of `expected` must pair with its own face of `actual` within the tolerance, and the counts must be equal.
 * Returns the problems found (empty when the sets match), each naming the face.
 */
export function compareFaceSets(actual: Corners[], expected: Corners[], tolerance: Tolerance = {}): string[] {
  const pxTol = tolerance.px ?? 1e-3;
  const scoreTol = tolerance.score ?? 1e-6;
  const problems: string[] = [];
  if (actual.length !== expected.length) problems.push(`${actual.length} faces, expected ${expected.length}`);
  const used = new Uint8Array(actual.length);
  for (const e of expected) {
    let found = -1;
    let nearest: { i: number; px: number; score: number } | null = null;
    for (let i = 0; i < actual.length; i++) {
      if (used[i]) continue;
      const d = worstDifference(actual[i], e);
      if (d.px <= pxTol && d.score <= scoreTol) {
        found = i;
        break;
      }
      if (!nearest || d.px + d.score < nearest.px + nearest.score) nearest = { i, ...d };
    }
    if (found >= 0) {
      used[found] = 1;
    } else {
      problems.push(
        `missing ${describe(e)}` +
          (nearest ? `; nearest ${describe(actual[nearest.i])} (Δpx ${nearest.px.toExponential(2)}, Δscore ${nearest.score.toExponential(2)})` : ''),
      );
    }
  }
  actual.forEach((a, i) => {
    if (!used[i]) problems.push(`unexpected ${describe(a)}`);
  });
  return problems.slice(0, 10);
}

/** Intersection over union of two boxes (continuous: area = width · height, no +1). */
export function iou(a: Corners, b: Corners): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * Pairs two detections of the same image one to one, both ways: every face of `a` must pair with its own face
 * of `b` at IoU ≥ `minIou` and |score difference| ≤ `maxScoreDiff`, and nothing may be left over on either side.
 * Greedy by score, each face taking the best-overlapping free partner. Returns the problems (empty: they match),
 * each naming the face, and the worst IoU and score difference of the pairs.
 */
export function pairByOverlap(a: Corners[], b: Corners[], minIou: number, maxScoreDiff: number): { problems: string[]; worstIou: number; worstScore: number } {
  const problems: string[] = [];
  const used = new Uint8Array(b.length);
  let worstIou = 1;
  let worstScore = 0;
  for (const f of [...a].sort((p, q) => q.score - p.score)) {
    let best = -1;
    let bestIou = minIou;
    for (let i = 0; i < b.length; i++) {
      if (used[i] || Math.abs(b[i].score - f.score) > maxScoreDiff) continue;
      const o = iou(f, b[i]);
      if (o >= bestIou) [best, bestIou] = [i, o];
    }
    if (best < 0) {
      problems.push(`unpaired in the first: ${describe(f)}`);
      continue;
    }
    used[best] = 1;
    worstIou = Math.min(worstIou, bestIou);
    worstScore = Math.max(worstScore, Math.abs(b[best].score - f.score));
  }
  b.forEach((f, i) => {
    if (!used[i]) problems.push(`unpaired in the second: ${describe(f)}`);
  });
  return { problems: problems.slice(0, 10), worstIou, worstScore };
}
