import { Biubug6Decoder } from './decode-biubug6.ts';
import { InsightFaceDecoder } from './decode-insightface.ts';
import type { Face, Point } from './face.ts';
import type { FamilyDecoder, RawOutputs } from './family-decoder.ts';
import { scaleX, scaleY, type InputGeometry } from './geometry.ts';
import type { ModelDescriptor } from './model-descriptor.ts';
import { NmsScratch, nonMaxSuppression } from './nms.ts';

export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_IOU_THRESHOLD = 0.4;
export const DEFAULT_MAX_FACES = Infinity;

/** What the decoder keeps. Not validated here: options are checked once, where they enter the API. */
export interface DecodeOptions {
  /**
   * Minimum face score, in [0, 1]; insightface keeps `score >= t`, biubug6 `score > t` (in float32, as the
   * references do). Defaults to 0.5 (`DEFAULT_SCORE_THRESHOLD`).
   */
  scoreThreshold?: number;
  /**
   * NMS suppresses a face whose IoU (+1 convention) with a better one exceeds this, in [0, 1]. Defaults to 0.4
   * (`DEFAULT_IOU_THRESHOLD`).
   */
  iouThreshold?: number;
  /** Keep at most this many faces, best first (a whole number ≥ 1). Defaults to no limit (`Infinity`). */
  maxFaces?: number;
}

/** Decode options with every default applied. */
export type DecodeSettings = Required<DecodeOptions>;

/** Landmark order after a horizontal flip: eyes and mouth corners swap sides. */
const MIRRORED_LANDMARKS = [1, 0, 2, 4, 3] as const;

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
    const scoreThreshold = options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
    const iouThreshold = options.iouThreshold ?? DEFAULT_IOU_THRESHOLD;
    const maxFaces = options.maxFaces ?? DEFAULT_MAX_FACES;
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
    const b = this.boxes;
    const lm = this.landmarks;
    let x1 = b[4 * c];
    let x2 = b[4 * c + 2];
    const y1 = b[4 * c + 1];
    const y2 = b[4 * c + 3];
    const landmarks: Point[] = new Array(5);
    if (geometry.mirror) {
      const w = geometry.sourceWidth;
      [x1, x2] = [w - x2, w - x1];
      for (let k = 0; k < 5; k++) {
        const from = MIRRORED_LANDMARKS[k];
        landmarks[k] = [w - lm[2 * from], lm[2 * from + 1]];
      }
    } else {
      for (let k = 0; k < 5; k++) landmarks[k] = [lm[2 * k], lm[2 * k + 1]];
    }
    return { box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score: this.scores[c], landmarks };
  }
}
