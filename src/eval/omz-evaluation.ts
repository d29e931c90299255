/**
 * The model card's accuracy rule: OpenVINO Open Model Zoo's accuracy checker on WIDER FACE val, one AP over the
 * faces at least 64 px high (spec §4.3; `models/public/retinaface-resnet50/accuracy-check.yml` of OMZ). Written
 * from the accuracy checker's code: annotation converter `wider`, postprocessors `cast_to_int`, `clip_boxes`,
 * `filter`, and the `map` metric (`metrics/detection.py` `bbox_match`, `average_precision`; `metrics/overlap.py`).
 *
 * The steps, and their quirks:
 * - Ground truth: every box (the `invalid` flag is not read), corners x2 = x + w, y2 = y + h.
 * - `cast_to_int` (round half to even, `np.rint`) on the corners of the ground truth *and* the detections.
 * - `clip_boxes size: 1024` on the ground truth only: every corner into [0, 1024] (not the image's size).
 * - `filter height_range: 64, 1024; is_empty`: a face is *difficult* (ignored) unless 64 ≤ y2 − y1 < 1024 and it
 *   is not empty (x2 − x1 > 0, y2 − y1 > 0). The width is not checked: "bigger than 64x64" means 64 px high.
 * - `map` with `ignore_difficult`, `include_boundaries: False`, `allow_multiple_matches_per_ignored: False`:
 *   detections of all images sorted by score, best first; IoU without +1 (0 when the union is 0). A detection
 *   takes the best non-difficult face if that IoU is ≥ 0.5, else the best difficult face; every face with exactly
 *   that IoU counts as "the" match. No face of the image at all, or best IoU < 0.5: false positive. A
 *   non-difficult match: true positive if none of the matched faces is used yet (then they all are), else false
 *   positive. A difficult match: neither, unless one of the faces is used already (false positive); the faces
 *   become used either way — so a second detection on a difficult face is a false positive.
 * - precision = tp / max(tp + fp, eps), recall = tp / max(faces, eps) after every detection (ignored ones too);
 *   AP = VOC all-point ("max") interpolation. No detection at all: AP 0 (the checker reports 0 then).
 * - Sorting: numpy's default argsort is not stable, so the accuracy checker orders detections of equal score
 *   arbitrarily; here they keep image order, then score order within the image. Ties of scores between a true
 *   and a false positive can move the last digits.
 */
import { InvalidInputError } from '../core/index.ts';
import { vocAveragePrecision } from './average-precision.ts';
import type { ImagePredictions } from './predictions.ts';
import { imageKey, type GroundTruth } from './wider-ground-truth.ts';
import { indexPredictions, scoreOrder } from './wider-evaluation.ts';

export interface OmzEvaluationOptions {
  /** Which ground-truth images are evaluated; see `WiderEvaluationOptions.images`. Defaults to `'predicted'`. */
  images?: 'predicted' | 'all';
  /** IoU a detection needs with a face. Defaults to 0.5. */
  iouThreshold?: number;
  /** Faces are counted when minHeight ≤ height < maxHeight (after clipping), others are difficult. Defaults to 64. */
  minHeight?: number;
  /** Defaults to 1024. */
  maxHeight?: number;
  /** Ground-truth corners are clipped into [0, clipSize]. Defaults to 1024. */
  clipSize?: number;
}

export const DEFAULT_OMZ_EVALUATION_OPTIONS: Required<OmzEvaluationOptions> = {
  images: 'predicted',
  iouThreshold: 0.5,
  minHeight: 64,
  maxHeight: 1024,
  clipSize: 1024,
};

export interface OmzEvaluation {
  /** The single average precision. */
  ap: number;
  /** Precision and recall after each detection, best score first. */
  curve: { precision: Float64Array; recall: Float64Array };
  /** Faces that count (not difficult) in the evaluated images. */
  faces: number;
  /** Difficult (ignored) faces in the evaluated images. */
  ignoredFaces: number;
  truePositives: number;
  falsePositives: number;
  images: { evaluated: number; groundTruth: number; notInGroundTruth: string[] };
}

/** numpy's `rint`: round half to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const EPS = 2.220446049250313e-16; // np.finfo(np.float64).eps

interface OmzImage {
  /** x1, y1, x2, y2 per face. */
  corners: Float64Array;
  difficult: Uint8Array;
  used: Uint8Array;
}

/** Evaluates predictions by the OpenVINO accuracy checker's WIDER FACE rule (see the module comment). */
export function evaluateOmz(predictions: readonly ImagePredictions[], groundTruth: GroundTruth, options: OmzEvaluationOptions = {}): OmzEvaluation {
  const { images: which, iouThreshold, minHeight, maxHeight, clipSize } = { ...DEFAULT_OMZ_EVALUATION_OPTIONS, ...options };
  if (which !== 'predicted' && which !== 'all') throw new InvalidInputError(`images must be 'predicted' or 'all'; got "${which}".`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new InvalidInputError(`iouThreshold must be in [0, 1]; got ${iouThreshold}.`);
  const byKey = indexPredictions(predictions);
  const clip = (v: number) => Math.min(Math.max(v, 0), clipSize);

  const images: OmzImage[] = [];
  const detections: { score: number; image: number; box: Float64Array }[] = [];
  const inGroundTruth = new Set<string>();
  let faces = 0;
  let ignoredFaces = 0;
  for (const image of groundTruth.images) {
    const key = imageKey(image.event, image.name);
    inGroundTruth.add(key);
    const prediction = byKey.get(key);
    if (!prediction && which === 'predicted') continue;
    const count = image.boxes.length / 4;
    const corners = new Float64Array(count * 4);
    const difficult = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const [x, y, w, h] = image.boxes.subarray(k * 4, k * 4 + 4);
      const x1 = clip(roundHalfEven(x)), y1 = clip(roundHalfEven(y));
      const x2 = clip(roundHalfEven(x + w)), y2 = clip(roundHalfEven(y + h));
      corners.set([x1, y1, x2, y2], k * 4);
      const height = y2 - y1;
      const empty = x2 - x1 <= 0 || y2 - y1 <= 0;
      difficult[k] = empty || !(minHeight <= height && height < maxHeight) ? 1 : 0;
      if (difficult[k]) ignoredFaces++;
      else faces++;
    }
    const index = images.push({ corners, difficult, used: new Uint8Array(count) }) - 1;
    if (!prediction) continue;
    for (const i of scoreOrder(prediction.scores)) {
      const [x, y, w, h] = prediction.boxes.subarray(i * 4, i * 4 + 4);
      const box = Float64Array.of(roundHalfEven(x), roundHalfEven(y), roundHalfEven(x + w), roundHalfEven(y + h));
      detections.push({ score: prediction.scores[i], image: index, box });
    }
  }
  // Stable: equal scores keep image order, then their order within the image.
  const order = Uint32Array.from(detections.keys()).sort((a, b) => detections[b].score - detections[a].score || a - b);

  const precision = new Float64Array(order.length);
  const recall = new Float64Array(order.length);
  let tp = 0;
  let fp = 0;
  const overlaps = new Float64Array(Math.max(0, ...images.map((im) => im.difficult.length)));
  order.forEach((d, rank) => {
    const { box, image } = detections[d];
    const { corners, difficult, used } = images[image];
    const count = difficult.length;
    if (count === 0) {
      fp++;
    } else {
      const [px1, py1, px2, py2] = box;
      const predictionArea = (px2 - px1) * (py2 - py1);
      let best = -Infinity;
      let bestDifficult = -Infinity;
      for (let k = 0; k < count; k++) {
        const gx1 = corners[k * 4], gy1 = corners[k * 4 + 1], gx2 = corners[k * 4 + 2], gy2 = corners[k * 4 + 3];
        const ix1 = Math.max(gx1, px1), iy1 = Math.max(gy1, py1);
        const ix2 = Math.max(ix1, Math.min(gx2, px2)), iy2 = Math.max(iy1, Math.min(gy2, py2));
        const intersection = (ix2 - ix1) * (iy2 - iy1);
        const union = predictionArea + (gx2 - gx1) * (gy2 - gy1) - intersection;
        const iou = union !== 0 ? intersection / union : 0;
        overlaps[k] = iou;
        if (difficult[k]) bestDifficult = Math.max(bestDifficult, iou);
        else best = Math.max(best, iou);
      }
      if (best < iouThreshold && bestDifficult > -Infinity) best = bestDifficult;
      if (best < iouThreshold) {
        fp++;
      } else {
        let anyDifficult = false;
        let anyUsed = false;
        for (let k = 0; k < count; k++) {
          if (overlaps[k] !== best) continue;
          anyDifficult ||= difficult[k] === 1;
          anyUsed ||= used[k] === 1;
        }
        let take = true;
        if (!anyDifficult) {
          if (anyUsed) {
            fp++;
            take = false;
          } else {
            tp++;
          }
        } else if (anyUsed) {
          fp++; // a difficult face is used again: false positive (and used stays used)
        }
        if (take) for (let k = 0; k < count; k++) if (overlaps[k] === best) used[k] = 1;
      }
    }
    precision[rank] = tp / Math.max(tp + fp, EPS);
    recall[rank] = tp / Math.max(faces, EPS);
  });

  const ap = order.length === 0 ? 0 : vocAveragePrecision(recall, precision);
  const notInGroundTruth = [...byKey.keys()].filter((k) => !inGroundTruth.has(k));
  return {
    ap,
    curve: { precision, recall },
    faces,
    ignoredFaces,
    truePositives: tp,
    falsePositives: fp,
    images: { evaluated: images.length, groundTruth: groundTruth.images.length, notInGroundTruth },
  };
}
