import type { InputGeometry } from './geometry.ts';

/** One run of the model over the image: its tensor geometry, and whether the image was packed mirrored. */
export interface CandidatePass {
  geometry: InputGeometry;
  /** The image went into the tensor flipped left to right (`ImagePacker.pack(…, { flip: true })`). */
  flip: boolean;
}

/**
 * Faces before NMS, pooled over several runs of the model (test-time augmentation): boxes `x1, y1, x2, y2`,
 * scores and five landmarks `x0, y0, … x4, y4` per candidate, all in source pixels, in the order they were
 * added. Grows on demand and keeps its memory across `clear()`.
 */
export class FaceCandidates {
  count = 0;
  boxes = new Float32Array(0);
  scores = new Float32Array(0);
  landmarks = new Float32Array(0);

  clear(): void {
    this.count = 0;
  }

  /** Makes room for `extra` more candidates; returns the index the first of them gets. */
  reserve(extra: number): number {
    const needed = this.count + extra;
    if (this.scores.length < needed) {
      const size = Math.max(needed, 2 * this.scores.length, 1024);
      const grow = (old: Float32Array, per: number) => {
        const next = new Float32Array(size * per);
        next.set(old.subarray(0, this.count * per));
        return next;
      };
      this.boxes = grow(this.boxes, 4);
      this.scores = grow(this.scores, 1);
      this.landmarks = grow(this.landmarks, 10);
    }
    return this.count;
  }
}
