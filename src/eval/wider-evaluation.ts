/**
 * The official WIDER FACE evaluation (easy / medium / hard AP), to the letter of the python port of the official
 * MATLAB `eval_tools` (biubug6/Pytorch_Retinaface `widerface_evaluate/evaluation.py` = wondervictor's
 * WiderFace-Evaluation, with its `box_overlaps.pyx`; MATLAB `evaluation.m`, `read_pred.m`, `norm_score.m`).
 * The faithful python copy in `tests/reference/wider_evaluation.py` gives the same APs (tests/unit/eval/).
 *
 * Quirks kept on purpose (they decide the numbers):
 * - Scores are normalised once over *all* predictions, `(s − min) / (max − min)`, with `min` starting at 1 and
 *   `max` at 0 (python `norm_score`; MATLAB starts at realmax/realmin, the same for scores in [0, 1]). So the
 *   scores of predicted images that are not in the ground truth take part too.
 * - Boxes x, y, w, h become corners x2 = x + w, y2 = y + h (no −1), and the IoU then adds +1 to every width and
 *   height (`box_overlaps.pyx`, float64): iw = min(x2) − max(x1) + 1, ua = (w_p + 1)(h_p + 1) + (w_g + 1)(h_g + 1) − iw·ih.
 * - Each detection, best score first, takes the face of highest IoU (the first one on ties), *whether or not that
 *   face is already taken*; there is no second choice. IoU ≥ 0.5 (`>=`): a face outside the setting's `gt_list`
 *   makes the detection ignored (neither true nor false positive) and the face −1; a free face of the setting
 *   becomes matched; a face already matched leaves the detection a false positive (duplicates count).
 * - 1,000 thresholds 1 − t/1000 (0.999 … 0): at each, an image contributes the detections up to the last one
 *   whose normalised score is `>=` the threshold, less the ignored ones, and the faces matched by then.
 * - Precision 0/0 (no detection at a threshold) is NaN, harmlessly (see average-precision.ts).
 * - Faces are counted for every evaluated image, also those with no detections.
 * - Each image's detections are sorted by score, best first (stable), as MATLAB `read_pred.m` does; the python
 *   port reads them in file order, which is the same for the sorted files every writer produces.
 */
import { InvalidInputError } from '../core/index.ts';
import { vocAveragePrecision } from './average-precision.ts';
import type { ImagePredictions } from './predictions.ts';
import { imageKey, WIDER_SETTINGS, type GroundTruth, type WiderSetting } from './wider-ground-truth.ts';

export interface WiderEvaluationOptions {
  /**
   * Which ground-truth images are evaluated. `'predicted'`: those with a predictions entry (even one with no
   * faces), so that a subset such as the 120 shared images can be evaluated; `'all'`: every ground-truth image,
   * the faces of images without predictions counting as missed (what MATLAB `read_pred.m` does; the python port
   * stops with a KeyError). Defaults to `'predicted'`.
   */
  images?: 'predicted' | 'all';
  /** IoU a detection needs with a face. Defaults to 0.5 (official). */
  iouThreshold?: number;
  /** Number of score thresholds of the PR curve. Defaults to 1000 (official). */
  thresholdCount?: number;
}

export const DEFAULT_WIDER_EVALUATION_OPTIONS: Required<WiderEvaluationOptions> = { images: 'predicted', iouThreshold: 0.5, thresholdCount: 1000 };

/** A precision/recall curve: point t (0-based) is at normalised score threshold 1 − (t + 1) / thresholdCount. */
export interface PrCurve {
  /** True detections / counted detections; NaN where no detection passes the threshold (0/0). */
  precision: Float64Array;
  /** True detections / faces of the setting. */
  recall: Float64Array;
}

export interface WiderEvaluation {
  /** Average precision per setting (NaN for a setting with no faces among the evaluated images). */
  easy: number;
  medium: number;
  hard: number;
  curves: Record<WiderSetting, PrCurve>;
  /** Faces of each setting in the evaluated images. */
  faces: Record<WiderSetting, number>;
  images: {
    /** Ground-truth images evaluated. */
    evaluated: number;
    /** Ground-truth images in all. */
    groundTruth: number;
    /** `event/name` of predicted images that are not in the ground truth (not evaluated; their scores still count in the normalisation). */
    notInGroundTruth: string[];
  };
}

/** Predictions by `event/name`; two entries for one image are refused (the official tools would keep either). */
export function indexPredictions(predictions: readonly ImagePredictions[]): Map<string, ImagePredictions> {
  const byKey = new Map<string, ImagePredictions>();
  for (const p of predictions) {
    const key = imageKey(p.event, p.name);
    if (byKey.has(key)) throw new InvalidInputError(`The predictions list image ${key} twice.`);
    if (p.boxes.length !== p.scores.length * 4) throw new InvalidInputError(`The predictions of ${key} have ${p.boxes.length} box values for ${p.scores.length} scores.`);
    byKey.set(key, p);
  }
  return byKey;
}

/** Indices of an image's detections, best score first; equal scores keep their order. */
export function scoreOrder(scores: Float64Array): Uint32Array {
  return Uint32Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * For each detection (in `order`), the ground-truth face of highest IoU and that IoU, by the official
 * `bbox_overlaps` (+1 convention, float64) and numpy's `max`/`argmax` (first index on ties).
 */
function bestMatches(boxes: Float64Array, order: Uint32Array, gt: Float64Array, bestFace: Int32Array, bestIou: Float64Array): void {
  const faces = gt.length / 4;
  for (let h = 0; h < order.length; h++) {
    const p = order[h] * 4;
    const px1 = boxes[p], py1 = boxes[p + 1];
    const px2 = boxes[p + 2] + px1, py2 = boxes[p + 3] + py1;
    let best = -1;
    let bestValue = 0;
    for (let k = 0; k < faces; k++) {
      const gx1 = gt[k * 4], gy1 = gt[k * 4 + 1];
      const gx2 = gt[k * 4 + 2] + gx1, gy2 = gt[k * 4 + 3] + gy1;
      let overlap = 0;
      const iw = Math.min(px2, gx2) - Math.max(px1, gx1) + 1;
      if (iw > 0) {
        const ih = Math.min(py2, gy2) - Math.max(py1, gy1) + 1;
        if (ih > 0) {
          const faceArea = (gx2 - gx1 + 1) * (gy2 - gy1 + 1);
          const ua = (px2 - px1 + 1) * (py2 - py1 + 1) + faceArea - iw * ih;
          overlap = (iw * ih) / ua;
        }
      }
      if (best < 0 || overlap > bestValue) {
        best = k;
        bestValue = overlap;
      }
    }
    bestFace[h] = best;
    bestIou[h] = bestValue;
  }
}

/** Evaluates predictions against WIDER FACE ground truth by the official protocol (see the module comment). */
export function evaluateWider(predictions: readonly ImagePredictions[], groundTruth: GroundTruth, options: WiderEvaluationOptions = {}): WiderEvaluation {
  const { images: which, iouThreshold, thresholdCount } = { ...DEFAULT_WIDER_EVALUATION_OPTIONS, ...options };
  if (which !== 'predicted' && which !== 'all') throw new InvalidInputError(`images must be 'predicted' or 'all'; got "${which}".`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new InvalidInputError(`iouThreshold must be in [0, 1]; got ${iouThreshold}.`);
  if (!Number.isInteger(thresholdCount) || thresholdCount < 1) throw new InvalidInputError(`thresholdCount must be a positive integer; got ${thresholdCount}.`);
  const byKey = indexPredictions(predictions);

  // norm_score: over every prediction, min starting at 1 and max at 0.
  let max = 0;
  let min = 1;
  for (const p of predictions) {
    for (const s of p.scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
  }
  const diff = max - min;

  const props = Object.fromEntries(WIDER_SETTINGS.map((s) => [s, new Float64Array(thresholdCount)])) as Record<WiderSetting, Float64Array>;
  const matched = Object.fromEntries(WIDER_SETTINGS.map((s) => [s, new Float64Array(thresholdCount)])) as Record<WiderSetting, Float64Array>;
  const faces = { easy: 0, medium: 0, hard: 0 };
  const thresholds = Float64Array.from({ length: thresholdCount }, (_, t) => 1 - (t + 1) / thresholdCount);
  const inGroundTruth = new Set<string>();
  let evaluated = 0;

  for (const image of groundTruth.images) {
    const key = imageKey(image.event, image.name);
    inGroundTruth.add(key);
    const prediction = byKey.get(key);
    if (!prediction && which === 'predicted') continue;
    evaluated++;
    for (const s of WIDER_SETTINGS) faces[s] += image.keep[s].length;
    const n = prediction?.scores.length ?? 0;
    const faceCount = image.boxes.length / 4;
    if (n === 0 || faceCount === 0) continue;

    const order = scoreOrder(prediction!.scores);
    const scores = Float64Array.from(order, (i) => (prediction!.scores[i] - min) / diff);
    const bestFace = new Int32Array(n);
    const bestIou = new Float64Array(n);
    bestMatches(prediction!.boxes, order, image.boxes, bestFace, bestIou);
    // passed[t] = how many detections pass threshold t (the ones with score >= it form a prefix: sorted).
    const passed = new Int32Array(thresholdCount);
    for (let t = 0, r = 0; t < thresholdCount; t++) {
      while (r < n && scores[r] >= thresholds[t]) r++;
      passed[t] = r;
    }

    const state = new Int8Array(faceCount); // recall_list: 0 free, 1 matched, −1 matched by a detection of an ignored face
    const inSetting = new Uint8Array(faceCount); // the python `ignore` array: 1 = in the setting's gt_list
    const countedUpTo = new Int32Array(n + 1); // detections 0..h−1 that are not ignored (proposal_list == 1)
    const matchedUpTo = new Int32Array(n); // pred_recall[h]: faces matched after detection h
    for (const s of WIDER_SETTINGS) {
      state.fill(0);
      inSetting.fill(0);
      for (const k of image.keep[s]) inSetting[k] = 1;
      let matchedFaces = 0;
      for (let h = 0; h < n; h++) {
        let counted = 1;
        if (bestIou[h] >= iouThreshold) {
          const k = bestFace[h];
          if (inSetting[k] === 0) {
            state[k] = -1; // never 1 before: faces outside the setting are never matched
            counted = 0;
          } else if (state[k] === 0) {
            state[k] = 1;
            matchedFaces++;
          }
        }
        countedUpTo[h + 1] = countedUpTo[h] + counted;
        matchedUpTo[h] = matchedFaces;
      }
      const p = props[s];
      const m = matched[s];
      for (let t = 0; t < thresholdCount; t++) {
        const r = passed[t];
        if (r === 0) continue;
        p[t] += countedUpTo[r];
        m[t] += matchedUpTo[r - 1];
      }
    }
  }

  const curves = {} as Record<WiderSetting, PrCurve>;
  const aps = {} as Record<WiderSetting, number>;
  for (const s of WIDER_SETTINGS) {
    const precision = new Float64Array(thresholdCount);
    const recall = new Float64Array(thresholdCount);
    for (let t = 0; t < thresholdCount; t++) {
      precision[t] = matched[s][t] / props[s][t];
      recall[t] = matched[s][t] / faces[s];
    }
    curves[s] = { precision, recall };
    aps[s] = vocAveragePrecision(recall, precision);
  }
  const notInGroundTruth = [...byKey.keys()].filter((k) => !inGroundTruth.has(k));
  return { ...aps, curves, faces, images: { evaluated, groundTruth: groundTruth.images.length, notInGroundTruth } } as WiderEvaluation;
}
