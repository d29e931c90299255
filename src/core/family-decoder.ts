/** A raw output tensor as the runtime returns it. */
export interface RawTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** The model's outputs of one run, by output name. */
export type RawOutputs = Readonly<Record<string, RawTensor>>;

/**
 * How NMS measures the overlap of two boxes written by `FamilyDecoder.box`:
 * - `'inclusive-pixels'`: both RetinaFace references (spec §A.8, §B.6): float32 corners, inclusive pixels, so
 *   areas (x2 − x1 + 1)·(y2 − y1 + 1), IoU in float32.
 * - `'opencv-rect'`: OpenCV's `dnn::NMSBoxes` on integer `Rect`s (x, y, width, height truncated by `int()`),
 *   given as corners x1, y1, x1 + width, y1 + height: areas width·height, IoU `1.f − (float)jaccardDistance`,
 *   and two empty rectangles count as overlapping fully.
 */
export type OverlapRule = 'inclusive-pixels' | 'opencv-rect';

/**
 * The per-family part of the pipeline: where scores, box deltas and landmarks sit in the outputs, the formulas
 * that turn them into pixels, and how the family's reference compares boxes in NMS. Everything else (sorting,
 * NMS, mapping, result objects) is shared.
 */
export interface FamilyDecoder {
  /** The overlap NMS computes between two `box` results. */
  readonly overlap: OverlapRule;
  /** At most this many candidates, best first, enter NMS (OpenCV's `top_k`); Infinity for all. */
  readonly maxCandidates: number;
  /**
   * Boxes are inclusive pixel indices (+1 convention) clipped to the image, as insightface's are: a horizontal
   * flip maps x to W − 1 − x. Absent or false: continuous coordinates, x → W − x.
   */
  readonly inclusivePixelBoxes?: boolean;
  /** Takes this run's outputs for an input tensor of the given size; returns the number of anchors. */
  bind(outputs: RawOutputs, inputWidth: number, inputHeight: number): number;
  /**
   * Writes the anchors whose score passes `threshold` (with the family's comparison), in anchor order, into
   * `indices` and `scores`; returns how many.
   */
  select(threshold: number, indices: Int32Array, scores: Float32Array): number;
  /**
   * Writes anchor n's box as NMS compares it, `x1, y1, x2, y2`, at `out[o..o+3]`: source pixels before mirroring
   * for RetinaFace; OpenCV's integer rectangle in input-tensor pixels for YuNet.
   */
  box(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void;
  /** Writes anchor n's face box `x, y, width, height` in source pixels (before mirroring) at `out[o..o+3]`. */
  faceBox(n: number, scaleX: number, scaleY: number, out: Float64Array, o: number): void;
  /** Writes anchor n's five landmarks `x0, y0, … x4, y4` in source pixels at `out[o..o+9]`. */
  landmarks(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void;
}

/** `faceBox` for families whose face box is their NMS box: x1, y1 and the corner differences (not rounded). */
export function faceBoxFromCorners(corners: Float32Array, out: Float64Array, o: number): void {
  out[o] = corners[0];
  out[o + 1] = corners[1];
  out[o + 2] = corners[2] - corners[0];
  out[o + 3] = corners[3] - corners[1];
}
