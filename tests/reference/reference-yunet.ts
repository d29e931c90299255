/**
 * A deliberately plain YuNet decoder, transcribed from OpenCV's source only, as the yardstick for the fast decoder
 * in `src/core`. It imports nothing from `src/`. Followed, line by line:
 * - objdetect `face_detect.cpp`, `FaceDetectorYNImpl`: the constructor / `setInputSize` (padW, padH),
 *   `detect` (`padWithDivisor`, `blobFromImage`, the 12 output names), `postProcess` (priors, score, box,
 *   landmarks, `Rect2i`, `NMSBoxes`).
 * - dnn `nms.cpp` (`NMSBoxes` for `Rect`, `rectOverlap`) and `nms.inl.hpp` (`GetMaxScoreIndex`, `NMSFast_`).
 * - core `types.hpp` (`Rect_::area`, `operator &=`, `jaccardDistance`).
 * OpenCV computes in float32 (`float` variables, `std::exp`/`std::sqrt` on floats: `cvstd.hpp` brings them into
 * namespace cv), so every float operation below is rounded to float32 with `f32`; the Jaccard ratio is double.
 */

import type { ReferenceOutputs } from './reference-decoder.ts';

export interface YuNetReferenceParams {
  /** The tensor's size (OpenCV's padW × padH; a multiple of 32). */
  inputWidth: number;
  inputHeight: number;
  /** Tensor pixels per source pixel, per axis: a caller who resized the image divides OpenCV's results by it. */
  scaleX: number;
  scaleY: number;
  scoreThreshold: number;
  /** Defaults to 0.3 (`FaceDetectorYN::create`). */
  nmsThreshold?: number;
  /** Defaults to 5000 (`FaceDetectorYN::create`). */
  topK?: number;
}

export interface YuNetReferenceFace {
  /** OpenCV's row: x1, y1, w, h, then 5 landmarks (x, y), then the score; all float32, in source pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  landmarks: number[];
  score: number;
}

const f32 = Math.fround;

/** C++ `int(float)`: truncation toward zero. */
const toInt = (v: number) => Math.trunc(v);

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `Rect_::area()`. */
const area = (r: Rect) => r.width * r.height;

/** `Rect_ operator &` (via `operator &=`): the intersection, or the empty `Rect()`. */
function intersect(a: Rect, b: Rect): Rect {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const width = Math.min(a.x + a.width, b.x + b.width) - x1;
  const height = Math.min(a.y + a.height, b.y + b.height) - y1;
  if (width <= 0 || height <= 0) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: x1, y: y1, width, height };
}

/** `jaccardDistance(a, b)` for `Rect_<int>` (epsilon of int is 0); the ratio in double. */
function jaccardDistance(a: Rect, b: Rect): number {
  const Aa = area(a);
  const Ab = area(b);
  if (Aa + Ab <= 0) return 0.0;
  const Aab = area(intersect(a, b));
  return 1.0 - Aab / (Aa + Ab - Aab);
}

/** `rectOverlap`: `1.f - static_cast<float>(jaccardDistance(a, b))`. */
const rectOverlap = (a: Rect, b: Rect) => f32(1 - f32(jaccardDistance(a, b)));

/** `NMSBoxes(bboxes, scores, score_threshold, nms_threshold, indices, eta = 1.f, top_k)` → `NMSFast_`. */
export function referenceNmsBoxes(bboxes: Rect[], scores: number[], scoreThreshold: number, nmsThreshold: number, topK: number): number[] {
  const threshold = f32(scoreThreshold);
  // GetMaxScoreIndex: pairs with score > threshold, std::stable_sort by score descending, then top_k.
  let pairs: [number, number][] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold) pairs.push([scores[i], i]);
  pairs = pairs.map((p, k) => ({ p, k })).sort((a, b) => (b.p[0] !== a.p[0] ? b.p[0] - a.p[0] : a.k - b.k)).map(({ p }) => p);
  if (topK > 0 && topK < pairs.length) pairs = pairs.slice(0, topK);
  // NMSFast_ with eta = 1 (no adaptive threshold) and no limit.
  const adaptiveThreshold = f32(nmsThreshold);
  const indices: number[] = [];
  for (const [, idx] of pairs) {
    let keep = true;
    for (let k = 0; k < indices.length && keep; k++) {
      const overlap = rectOverlap(bboxes[idx], bboxes[indices[k]]);
      keep = overlap <= adaptiveThreshold;
    }
    if (keep) indices.push(idx);
  }
  return indices;
}

/** `postProcess` on one run's outputs, then the results divided by the scale. */
export function referenceYuNetDecode(outputs: ReferenceOutputs, p: YuNetReferenceParams): YuNetReferenceFace[] {
  const strides = [8, 16, 32];
  const divisor = 32;
  // setInputSize: padW = ((inputW - 1) / divisor + 1) * divisor (integer division).
  const padW = (Math.trunc((p.inputWidth - 1) / divisor) + 1) * divisor;
  const padH = (Math.trunc((p.inputHeight - 1) / divisor) + 1) * divisor;
  const scoreThreshold = f32(p.scoreThreshold);
  const get = (name: string) => {
    const t = outputs[name];
    if (!t) throw new Error(`reference: output ${name} missing`);
    return t.data;
  };

  const faces: Float32Array[] = [];
  for (let i = 0; i < strides.length; i++) {
    const cols = Math.trunc(padW / strides[i]);
    const rows = Math.trunc(padH / strides[i]);
    const cls_v = get(`cls_${strides[i]}`);
    const obj_v = get(`obj_${strides[i]}`);
    const bbox_v = get(`bbox_${strides[i]}`);
    const kps_v = get(`kps_${strides[i]}`);
    if (cls_v.length !== rows * cols) throw new Error(`reference: cls_${strides[i]} has ${cls_v.length} values for ${rows}x${cols} cells`);
    for (let r = 0; r < rows; ++r) {
      for (let c = 0; c < cols; ++c) {
        const idx = r * cols + c;
        let cls_score = cls_v[idx];
        let obj_score = obj_v[idx];
        // MIN(x, 1.f) and MAX(x, 0.f) are the macros ((a) > (b) ? (b) : (a)) and ((a) < (b) ? (b) : (a)).
        cls_score = cls_score > 1 ? 1 : cls_score;
        cls_score = cls_score < 0 ? 0 : cls_score;
        obj_score = obj_score > 1 ? 1 : obj_score;
        obj_score = obj_score < 0 ? 0 : obj_score;
        const score = f32(Math.sqrt(f32(cls_score * obj_score)));
        const face = new Float32Array(15);
        face[14] = score;
        if (score < scoreThreshold) continue;
        const cx = f32(f32(c + bbox_v[idx * 4 + 0]) * strides[i]);
        const cy = f32(f32(r + bbox_v[idx * 4 + 1]) * strides[i]);
        const w = f32(f32(Math.exp(bbox_v[idx * 4 + 2])) * strides[i]);
        const h = f32(f32(Math.exp(bbox_v[idx * 4 + 3])) * strides[i]);
        const x1 = f32(cx - f32(w / 2));
        const y1 = f32(cy - f32(h / 2));
        face[0] = x1;
        face[1] = y1;
        face[2] = w;
        face[3] = h;
        for (let n = 0; n < 5; ++n) {
          face[4 + 2 * n] = f32(f32(kps_v[idx * 10 + 2 * n] + c) * strides[i]);
          face[4 + 2 * n + 1] = f32(f32(kps_v[idx * 10 + 2 * n + 1] + r) * strides[i]);
        }
        faces.push(face);
      }
    }
  }

  let kept = faces;
  if (faces.length > 1) {
    const faceBoxes = faces.map((f) => ({ x: toInt(f[0]), y: toInt(f[1]), width: toInt(f[2]), height: toInt(f[3]) }));
    const faceScores = faces.map((f) => f[14]);
    const keepIdx = referenceNmsBoxes(faceBoxes, faceScores, p.scoreThreshold, p.nmsThreshold ?? 0.3, p.topK ?? 5000);
    kept = keepIdx.map((idx) => faces[idx]);
  }
  // OpenCV's results are in the pixels of the image it was given; a resized image's results are divided back.
  return kept.map((f) => ({
    x: f32(f[0] / p.scaleX),
    y: f32(f[1] / p.scaleY),
    w: f32(f[2] / p.scaleX),
    h: f32(f[3] / p.scaleY),
    landmarks: Array.from({ length: 10 }, (_, k) => f32(f[4 + k] / (k % 2 === 0 ? p.scaleX : p.scaleY))),
    score: f[14],
  }));
}
