import { BOX_VOTE_MAX_GROUPS, BoxVoteScratch, boxVote } from './box-vote.ts';
import { InvalidInputError, UnsupportedModelError } from './errors.ts';
import type { CandidatePass, FaceCandidates } from './face-candidates.ts';
import { DEFAULT_IOU_THRESHOLD, DEFAULT_MAX_FACES, faceFromArrays, type DecodeOptions } from './face-decoder.ts';
import type { Face } from './face.ts';
import { MAX_INPUT_SIDE, MAX_SOURCE_SIDE, roundUpToMultiple } from './geometry.ts';
import type { Size } from './model-descriptor.ts';
import { NmsScratch, nonMaxSuppression } from './nms.ts';

/**
 * Best-quality mode for still images: an image pyramid, each scale also run flipped left to right, all
 * candidates pooled, then one box vote (or NMS). This is insightface's WIDER FACE multi-scale test
 * (`test_widerface.py` mode 1, `RetinaFace.detect(img, threshold, scales, do_flip=True)` with `vote=True`).
 */
export interface TestTimeAugmentationOptions {
  /**
   * The pyramid, as insightface's `TEST_SCALES`: pass k scales the image by `scales[k] / targetSize` times the
   * base scale (the one that brings the shorter side to `targetSize`, or the longer side to `maxSize` if that is
   * smaller). Defaults to [500, 800, 1100, 1400, 1700].
   */
  scales?: readonly number[];
  /** Defaults to 800. */
  targetSize?: number;
  /** Defaults to 1200. */
  maxSize?: number;
  /** Also run every scale on the image flipped left to right. Defaults to true. */
  flip?: boolean;
  /**
   * `'vote'`: insightface's box voting (`boxVote`; a face seen only once is dropped); `'nms'`: plain NMS over the
   * pooled candidates (insightface's mode 2). Defaults to `'vote'`.
   */
  merge?: 'vote' | 'nms';
}

export const DEFAULT_TTA_SCALES: readonly number[] = [500, 800, 1100, 1400, 1700];
export const DEFAULT_TTA_TARGET_SIZE = 800;
export const DEFAULT_TTA_MAX_SIZE = 1200;

/** One run of the plan: the scale factor, the flip and the tensor geometry (image resized to its content size). */
export interface TtaPass extends CandidatePass {
  scale: number;
}

export interface TtaPlan {
  source: Size;
  /** Scale by scale (in `scales` order), unflipped then flipped: a host can resize once for both flips. */
  passes: TtaPass[];
  merge: 'vote' | 'nms';
  /** Flip the final faces for a selfie view (as `GeometryOptions.mirror`). */
  mirror: boolean;
}

/** OpenCV's `cvRound` (round half to even), with which `cv2.resize(fx=s)` picks its output size. */
const roundHalfEven = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

function positive(value: number, what: string): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InvalidInputError(`${what} must be a positive number; got ${value}.`);
  }
  return value;
}

/**
 * The passes for an image of size `source` (insightface `test_widerface.py`, mode 1). Each pass's tensor is the
 * resized image (round(W·s) × round(H·s), as OpenCV sizes it) padded bottom/right to a multiple of 32, which
 * our dynamic models need and upstream does not do. Needs a dynamic-size model.
 */
export function planTestTimeAugmentation(
  source: Size,
  modelInputSize: Size | null,
  options: TestTimeAugmentationOptions & { mirror?: boolean } = {},
): TtaPlan {
  if (modelInputSize) {
    throw new UnsupportedModelError(
      `Best-quality mode runs the image at several sizes; this model takes only ${modelInputSize.width}x${modelInputSize.height}. ` +
        'Use a dynamic-size model (the default model is one).',
    );
  }
  for (const [side, what] of [[source.width, 'Image width'], [source.height, 'Image height']] as const) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_SOURCE_SIDE) {
      throw new InvalidInputError(`${what} must be a whole number from 1 to ${MAX_SOURCE_SIDE}; got ${side}.`);
    }
  }
  const scales = options.scales ?? DEFAULT_TTA_SCALES;
  if (!Array.isArray(scales) || scales.length === 0) throw new InvalidInputError('scales must list at least one size.');
  scales.forEach((s, i) => positive(s, `scales[${i}]`));
  const targetSize = positive(options.targetSize ?? DEFAULT_TTA_TARGET_SIZE, 'targetSize');
  const maxSize = positive(options.maxSize ?? DEFAULT_TTA_MAX_SIZE, 'maxSize');
  const merge = options.merge ?? 'vote';
  if (merge !== 'vote' && merge !== 'nms') throw new InvalidInputError(`merge must be 'vote' or 'nms'; got ${String(merge)}.`);
  const flips = (options.flip ?? true) ? [false, true] : [false];

  const shorter = Math.min(source.width, source.height);
  const longer = Math.max(source.width, source.height);
  let base = targetSize / shorter;
  // Upstream compares with np.round, which rounds half to even as well.
  if (roundHalfEven(base * longer) > maxSize) base = maxSize / longer;

  const passes: TtaPass[] = [];
  for (const size of scales) {
    const scale = (size / targetSize) * base;
    const contentWidth = Math.max(1, roundHalfEven(source.width * scale));
    const contentHeight = Math.max(1, roundHalfEven(source.height * scale));
    if (Math.max(roundUpToMultiple(contentWidth), roundUpToMultiple(contentHeight)) > MAX_INPUT_SIDE) {
      throw new InvalidInputError(
        `Scale ${size} makes the ${source.width}x${source.height} image ${contentWidth}x${contentHeight}, over the ${MAX_INPUT_SIDE} px tensor limit; use smaller scales.`,
      );
    }
    const geometry = {
      sourceWidth: source.width,
      sourceHeight: source.height,
      contentWidth,
      contentHeight,
      inputWidth: roundUpToMultiple(contentWidth),
      inputHeight: roundUpToMultiple(contentHeight),
      mirror: false,
    };
    for (const flip of flips) passes.push({ scale, flip, geometry });
  }
  return { source: { width: source.width, height: source.height }, passes, merge, mirror: options.mirror ?? false };
}

/**
 * The merge step: sorts every pass's candidates by score (descending; ties in the order they were collected),
 * then one box vote or one NMS over all of them, as insightface pools all scales and flips before its single
 * NMS/vote (spec §A.8). Voted faces get the score-weighted mean of their group's landmarks (upstream computes
 * none in vote mode). `maxFaces` caps the result; a vote also stops at insightface's 750.
 */
export class CandidateMerger {
  private order = new Int32Array(0);
  private keep = new Int32Array(0);
  private readonly nmsScratch = new NmsScratch();
  private readonly voteScratch = new BoxVoteScratch();

  merge(candidates: FaceCandidates, plan: TtaPlan, options: DecodeOptions = {}): Face[] {
    // Not validated here: options are checked where they enter the API.
    const iouThreshold = options.iouThreshold ?? DEFAULT_IOU_THRESHOLD;
    const maxFaces = options.maxFaces ?? DEFAULT_MAX_FACES;
    const { count, boxes, scores, landmarks } = candidates;
    if (this.order.length < count) {
      this.order = new Int32Array(count);
      this.keep = new Int32Array(count);
    }
    const order = this.order.subarray(0, count);
    for (let c = 0; c < count; c++) order[c] = c;
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    const mirrorWidth = plan.mirror ? plan.source.width : undefined;

    if (plan.merge === 'nms') {
      const kept = nonMaxSuppression(boxes, order, count, iouThreshold, maxFaces, this.keep, this.nmsScratch);
      const faces: Face[] = new Array(kept);
      for (let k = 0; k < kept; k++) {
        const c = this.keep[k];
        faces[k] = faceFromArrays(boxes, 4 * c, scores[c], landmarks, 10 * c, mirrorWidth);
      }
      return faces;
    }

    const groups = boxVote(boxes, scores, order, count, iouThreshold, BOX_VOTE_MAX_GROUPS, this.voteScratch);
    const total = Math.min(groups.count, maxFaces);
    const faces: Face[] = new Array(total);
    const points = new Float64Array(10);
    for (let g = 0; g < total; g++) {
      points.fill(0);
      let weight = 0;
      for (let m = groups.memberStart[g]; m < groups.memberStart[g + 1]; m++) {
        const c = groups.members[m];
        const s = scores[c];
        weight += s;
        for (let k = 0; k < 10; k++) points[k] += s * landmarks[10 * c + k];
      }
      for (let k = 0; k < 10; k++) points[k] = Math.fround(points[k] / weight);
      faces[g] = faceFromArrays(groups.boxes, 4 * g, groups.scores[g], points, 0, mirrorWidth);
    }
    return faces;
  }
}
