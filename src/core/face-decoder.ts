import { Biubug6Decoder } from './decode-biubug6.ts';
import { InsightFaceDecoder } from './decode-insightface.ts';
import { InvalidInputError } from './errors.ts';
import type { CandidatePass, FaceCandidates } from './face-candidates.ts';
import type { Face, Point } from './face.ts';
import type { FamilyDecoder, RawOutputs } from './family-decoder.ts';
import { scaleX, scaleY, type InputGeometry } from './geometry.ts';
import type { ModelDescriptor } from './model-descriptor.ts';
import { NmsScratch, nonMaxSuppression } from './nms.ts';

export interface DecodeOptions {
  /** Minimum face score; insightface keeps `score >= t`, biubug6 `score > t` (in float32, as the references). Defaults to 0.5. */
  scoreThreshold?: number;
  /** NMS suppresses a box whose IoU (+1 convention) with a better one exceeds this. Defaults to 0.4. */
  iouThreshold?: number;
  /** Keep at most this many faces, best first. Defaults to no limit. */
  maxFaces?: number;
}

export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_IOU_THRESHOLD = 0.4;

/** Landmark order after a horizontal flip: eyes and mouth corners swap sides. */
const MIRRORED_LANDMARKS = [1, 0, 2, 4, 3] as const;

export function checkDecodeOptions(options: DecodeOptions): Required<DecodeOptions> {
  const scoreThreshold = options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  const iouThreshold = options.iouThreshold ?? DEFAULT_IOU_THRESHOLD;
  const maxFaces = options.maxFaces ?? Infinity;
  const inUnit = (v: number) => typeof v === 'number' && v >= 0 && v <= 1;
  if (!inUnit(scoreThreshold)) throw new InvalidInputError(`scoreThreshold must be in [0, 1]; got ${scoreThreshold}.`);
  if (!inUnit(iouThreshold)) throw new InvalidInputError(`iouThreshold must be in [0, 1]; got ${iouThreshold}.`);
  if (!(maxFaces === Infinity || (Number.isInteger(maxFaces) && maxFaces >= 1))) {
    throw new InvalidInputError(`maxFaces must be a whole number of at least 1; got ${maxFaces}.`);
  }
  return { scoreThreshold, iouThreshold, maxFaces };
}

/**
 * A face from corners `x1, y1, x2, y2` at `boxes[b..]` and landmarks `x0, y0, … x4, y4` at `points[p..]`, in
 * source pixels; mirrored (x → mirrorWidth − x, left/right points swapped) when `mirrorWidth` is given.
 */
export function faceFromArrays(boxes: ArrayLike<number>, b: number, score: number, points: ArrayLike<number>, p: number, mirrorWidth?: number): Face {
  let x1 = boxes[b];
  let x2 = boxes[b + 2];
  const y1 = boxes[b + 1];
  const y2 = boxes[b + 3];
  const landmarks: Point[] = new Array(5);
  if (mirrorWidth !== undefined) {
    [x1, x2] = [mirrorWidth - x2, mirrorWidth - x1];
    for (let k = 0; k < 5; k++) {
      const from = p + 2 * MIRRORED_LANDMARKS[k];
      landmarks[k] = [mirrorWidth - points[from], points[from + 1]];
    }
  } else {
    for (let k = 0; k < 5; k++) landmarks[k] = [points[p + 2 * k], points[p + 2 * k + 1]];
  }
  return { box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score, landmarks };
}

export function createFamilyDecoder(descriptor: ModelDescriptor): FamilyDecoder {
  return descriptor.family === 'insightface' ? new InsightFaceDecoder(descriptor) : new Biubug6Decoder(descriptor);
}

/**
 * Turns raw model outputs into faces: score test on the typed arrays, boxes decoded for the survivors only,
 * sort by score (ties in anchor order), greedy NMS, landmarks for the kept faces, source pixels, optional
 * mirror. Keeps its buffers between calls; one instance per model, not shared between concurrent runs.
 */
export class FaceDecoder {
  private readonly family: FamilyDecoder;
  private indices = new Int32Array(0);
  private scores = new Float32Array(0);
  private order = new Int32Array(0);
  private boxes = new Float32Array(0);
  private keep = new Int32Array(0);
  private readonly landmarks = new Float32Array(10);
  private readonly nmsScratch = new NmsScratch();

  constructor(descriptor: ModelDescriptor) {
    this.family = createFamilyDecoder(descriptor);
  }

  private ensureCapacity(anchors: number): void {
    if (this.indices.length >= anchors) return;
    this.indices = new Int32Array(anchors);
    this.scores = new Float32Array(anchors);
    this.order = new Int32Array(anchors);
    this.boxes = new Float32Array(anchors * 4);
    this.keep = new Int32Array(anchors);
  }

  decode(outputs: RawOutputs, geometry: InputGeometry, options: DecodeOptions = {}): Face[] {
    const { scoreThreshold, iouThreshold, maxFaces } = checkDecodeOptions(options);
    const family = this.family;
    this.ensureCapacity(family.bind(outputs, geometry.inputWidth, geometry.inputHeight));
    const { indices, scores, boxes, keep } = this;
    const count = family.select(scoreThreshold, indices, scores);

    const order = this.order.subarray(0, count);
    for (let c = 0; c < count; c++) order[c] = c;
    order.sort((a, b) => scores[b] - scores[a] || a - b);

    const sx = scaleX(geometry);
    const sy = scaleY(geometry);
    for (let c = 0; c < count; c++) family.box(indices[c], sx, sy, boxes, 4 * c);
    const kept = nonMaxSuppression(boxes, order, count, iouThreshold, maxFaces, keep, this.nmsScratch);

    const faces: Face[] = new Array(kept);
    for (let k = 0; k < kept; k++) {
      const c = keep[k];
      family.landmarks(indices[c], sx, sy, this.landmarks, 0);
      faces[k] = this.toFace(c, geometry);
    }
    return faces;
  }

  private toFace(c: number, geometry: InputGeometry): Face {
    return faceFromArrays(this.boxes, 4 * c, this.scores[c], this.landmarks, 0, geometry.mirror ? geometry.sourceWidth : undefined);
  }

  /**
   * Test-time augmentation's collection step: the candidates of one pass that pass the score test, before
   * NMS, appended to `into` in source pixels, with the pass's flip undone as insightface does (spec §A.2,
   * `retinaface.py`): a family with inclusive pixel boxes (insightface) maps x to W − 1 − x of the resized
   * image and clips boxes to that image (not to the padded tensor, which upstream's unpadded passes do not
   * have); others map x to W − x. Points swap left and right. `geometry.mirror` is not applied here.
   * Returns how many candidates were added.
   */
  collect(outputs: RawOutputs, pass: CandidatePass, into: FaceCandidates, scoreThreshold = DEFAULT_SCORE_THRESHOLD): number {
    checkDecodeOptions({ scoreThreshold });
    const { geometry, flip } = pass;
    const family = this.family;
    this.ensureCapacity(family.bind(outputs, geometry.inputWidth, geometry.inputHeight));
    const count = family.select(scoreThreshold, this.indices, this.scores);
    const first = into.reserve(count);
    const sx = scaleX(geometry);
    const sy = scaleY(geometry);
    const inclusive = family.inclusivePixelBoxes === true;
    // The resized image's last pixel (inclusive boxes) or its right edge, in source pixels.
    const right = inclusive ? (geometry.contentWidth - 1) / sx : geometry.sourceWidth;
    const bottom = (geometry.contentHeight - 1) / sy;
    const { boxes, scores, landmarks } = into;
    for (let c = 0; c < count; c++) {
      const n = this.indices[c];
      const b = 4 * (first + c);
      const p = 10 * (first + c);
      family.box(n, sx, sy, boxes, b);
      family.landmarks(n, sx, sy, landmarks, p);
      scores[first + c] = this.scores[c];
      if (inclusive) {
        boxes[b] = Math.min(boxes[b], right);
        boxes[b + 1] = Math.min(boxes[b + 1], bottom);
        boxes[b + 2] = Math.min(boxes[b + 2], right);
        boxes[b + 3] = Math.min(boxes[b + 3], bottom);
      }
      if (flip) {
        const x1 = boxes[b];
        boxes[b] = right - boxes[b + 2];
        boxes[b + 2] = right - x1;
        const lm = this.landmarks;
        lm.set(landmarks.subarray(p, p + 10));
        for (let k = 0; k < 5; k++) {
          const from = 2 * MIRRORED_LANDMARKS[k];
          landmarks[p + 2 * k] = right - lm[from];
          landmarks[p + 2 * k + 1] = lm[from + 1];
        }
      }
    }
    into.count = first + count;
    return count;
  }
}
