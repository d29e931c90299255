/** A raw output tensor as the runtime returns it. */
export interface RawTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** The model's outputs of one run, by output name. */
export type RawOutputs = Readonly<Record<string, RawTensor>>;

/**
 * The per-family part of the pipeline: where scores, box deltas and landmarks sit in the outputs, and the
 * formulas that turn them into pixels. Everything else (sorting, NMS, mapping, result objects) is shared.
 */
export interface FamilyDecoder {
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
  /** Writes anchor n's box `x1, y1, x2, y2` in source pixels (before mirroring) at `out[o..o+3]`. */
  box(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void;
  /** Writes anchor n's five landmarks `x0, y0, … x4, y4` in source pixels at `out[o..o+9]`. */
  landmarks(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void;
}
