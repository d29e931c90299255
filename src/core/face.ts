/** A box in source pixels: top-left corner and size (width = x2 − x1, no +1). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point `[x, y]` in source pixels. */
export type Point = [number, number];

/** One detected face. */
export interface Face {
  box: Box;
  /** Face probability in [0, 1]. */
  score: number;
  /**
   * Five points in the model's order: left eye, right eye, nose, left mouth corner, right mouth corner, where
   * "left" means the left side of the (possibly mirrored) image.
   */
  landmarks: Point[];
  /**
   * The face's track: the same number while the same face stays in view, never reused for another face. Present
   * in `watch()` results when tracking is on; `detect()` leaves it out.
   */
  id?: number;
}
