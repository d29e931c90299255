import { Biubug6Decoder } from './decode-biubug6.ts';
import { InsightFaceDecoder } from './decode-insightface.ts';
import { YuNetDecoder } from './decode-yunet.ts';
import type { CandidatePass, FaceCandidates } from './face-candidates.ts';
import type { Face, Point } from './face.ts';
import type { FamilyDecoder, RawOutputs } from './family-decoder.ts';
import { scaleX, scaleY, type InputGeometry } from './geometry.ts';
import type { DecodeDefaults, ModelDescriptor } from './model-descriptor.ts';
import { NmsScratch, nonMaxSuppression } from './nms.ts';

export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_IOU_THRESHOLD = 0.4;
export const DEFAULT_MAX_FACES = Infinity;

/** What the decoder keeps. Not validated here: options are checked once, where they enter the API. */
export interface DecodeOptions {
  /**
   * Minimum face score, in [0, 1]; insightface keeps `score >= t`, biubug6 `score > t`, yunet as OpenCV (in
   * float32, as the references). Defaults to 0.5 (`DEFAULT_SCORE_THRESHOLD`); yunet: 0.9, OpenCV
   * `FaceDetectorYN`'s default.
   */
  scoreThreshold?: number;
  /**
   * NMS suppresses a face whose IoU with a better one exceeds this, in [0, 1] (RetinaFace: +1 convention; yunet:
   * OpenCV's integer rectangles). Defaults to 0.4 (`DEFAULT_IOU_THRESHOLD`); yunet: 0.3, OpenCV's default.
   */
  iouThreshold?: number;
  /** Keep at most this many faces, best first (a whole number ≥ 1). Defaults to no limit (`Infinity`). */
  maxFaces?: number;
}

/** Decode options with every default applied. */
export type DecodeSettings = Required<DecodeOptions>;

/** Landmark order after a horizontal flip: eyes and mouth corners swap sides. */
const MIRRORED_LANDMARKS = [1, 0, 2, 4, 3] as const;

/** The thresholds a model's family defaults to: its own (`decodeDefaults`, yunet) or the library's 0.5 / 0.4. */
export function familyDecodeDefaults(descriptor?: ModelDescriptor): DecodeDefaults {
  if (descriptor?.family === 'yunet') return descriptor.decodeDefaults;
  return { scoreThreshold: DEFAULT_SCORE_THRESHOLD, iouThreshold: DEFAULT_IOU_THRESHOLD };
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
  switch (descriptor.family) {
    case 'insightface':
      return new InsightFaceDecoder(descriptor);
    case 'biubug6':
      return new Biubug6Decoder(descriptor);
    case 'yunet':
      return new YuNetDecoder(descriptor);
  }
}

/**
 * Turns raw model outputs into faces: score test on the typed arrays, sort by score (ties in anchor order), the
 * family's candidate cap, boxes decoded for the survivors only, greedy NMS with the family's overlap, face boxes
 * and landmarks for the kept faces, source pixels, optional mirror. Keeps its buffers between calls; one instance
 * per model, not shared between concurrent runs.
 */
export class FaceDecoder {
  private readonly family: FamilyDecoder;
  private readonly descriptor: ModelDescriptor;
  private indices = new Int32Array(0);
  private scores = new Float32Array(0);
  private order = new Int32Array(0);
  private boxes = new Float32Array(0);
  private keep = new Int32Array(0);
  private readonly landmarks = new Float32Array(10);
  private readonly faceBox = new Float64Array(4);
  /** Scratch for the candidate cap (allocated when a family's cap is first reached). */
  private capped = { indices: new Int32Array(0), scores: new Float32Array(0) };
  private readonly nmsScratch = new NmsScratch();

  constructor(descriptor: ModelDescriptor) {
    this.descriptor = descriptor;
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
    const defaults = familyDecodeDefaults(this.descriptor);
    const scoreThreshold = options.scoreThreshold ?? defaults.scoreThreshold;
    const iouThreshold = options.iouThreshold ?? defaults.iouThreshold;
    const maxFaces = options.maxFaces ?? DEFAULT_MAX_FACES;
    const family = this.family;
    this.ensureCapacity(family.bind(outputs, geometry.inputWidth, geometry.inputHeight));
    const { indices, scores, boxes, keep } = this;
    let count = family.select(scoreThreshold, indices, scores);

    let order = this.order.subarray(0, count);
    for (let c = 0; c < count; c++) order[c] = c;
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    if (count > family.maxCandidates) {
      count = this.keepBest(order, family.maxCandidates);
      order = this.order.subarray(0, count);
    }

    const sx = scaleX(geometry);
    const sy = scaleY(geometry);
    for (let c = 0; c < count; c++) family.box(indices[c], sx, sy, boxes, 4 * c);
    const kept = nonMaxSuppression(boxes, order, count, iouThreshold, maxFaces, keep, this.nmsScratch, family.overlap);

    const faces: Face[] = new Array(kept);
    for (let k = 0; k < kept; k++) {
      const c = keep[k];
      family.faceBox(indices[c], sx, sy, this.faceBox, 0);
      family.landmarks(indices[c], sx, sy, this.landmarks, 0);
      faces[k] = this.toFace(this.scores[c], geometry);
    }
    return faces;
  }

  /** Keeps the `limit` best candidates, renumbered best first (`order` becomes 0, 1, …); returns `limit`. */
  private keepBest(order: Int32Array, limit: number): number {
    if (this.capped.indices.length < limit) this.capped = { indices: new Int32Array(limit), scores: new Float32Array(limit) };
    const { indices, scores } = this.capped;
    for (let r = 0; r < limit; r++) {
      indices[r] = this.indices[order[r]];
      scores[r] = this.scores[order[r]];
    }
    this.indices.set(indices.subarray(0, limit));
    this.scores.set(scores.subarray(0, limit));
    for (let r = 0; r < limit; r++) order[r] = r;
    return limit;
  }

  private toFace(score: number, geometry: InputGeometry): Face {
    const [x, y, width, height] = this.faceBox;
    const lm = this.landmarks;
    const landmarks: Point[] = new Array(5);
    if (geometry.mirror) {
      const w = geometry.sourceWidth;
      for (let k = 0; k < 5; k++) {
        const from = MIRRORED_LANDMARKS[k];
        landmarks[k] = [w - lm[2 * from], lm[2 * from + 1]];
      }
      return { box: { x: w - (x + width), y, width, height }, score, landmarks };
    }
    for (let k = 0; k < 5; k++) landmarks[k] = [lm[2 * k], lm[2 * k + 1]];
    return { box: { x, y, width, height }, score, landmarks };
  }

  /**
   * Test-time augmentation's collection step: the candidates of one pass that pass the score test, before
   * NMS, appended to `into` in source pixels (corners of the family's face box), with the pass's flip undone as
   * insightface does (spec §A.2, `retinaface.py`): a family with inclusive pixel boxes (insightface) maps x to
   * W − 1 − x of the resized image and clips boxes to that image (not to the padded tensor, which upstream's
   * unpadded passes do not have); others map x to W − x. Points swap left and right. `geometry.mirror` is not
   * applied here. Returns how many candidates were added.
   */
  collect(outputs: RawOutputs, pass: CandidatePass, into: FaceCandidates, scoreThreshold = DEFAULT_SCORE_THRESHOLD): number {
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
    const faceBox = this.faceBox;
    for (let c = 0; c < count; c++) {
      const n = this.indices[c];
      const b = 4 * (first + c);
      const p = 10 * (first + c);
      family.faceBox(n, sx, sy, faceBox, 0);
      boxes[b] = faceBox[0];
      boxes[b + 1] = faceBox[1];
      boxes[b + 2] = faceBox[0] + faceBox[2];
      boxes[b + 3] = faceBox[1] + faceBox[3];
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
