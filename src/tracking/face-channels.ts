// A face as a row of numbers ("channels"), the layout every typed array of the tracking room uses:
// [x1, y1, x2, y2, landmark 0 x, landmark 0 y, landmark 1 x, …]: the box as its two corners, then the landmarks.
import type { Face, Point } from '../core/index.ts';

/** Landmarks per face in the tracking state: RetinaFace's five. Defaults to 5. */
export const DEFAULT_LANDMARK_COUNT = 5;
export const BOX_CHANNELS = 4;

export const channelsPerFace = (landmarkCount: number): number => BOX_CHANNELS + 2 * landmarkCount;

/** The face's size, (width + height) / 2, as MediaPipe's object scale. */
export const faceSize = (face: Face): number => (face.box.width + face.box.height) / 2;

/**
 * Writes `face` into `out` at `offset` in the channel layout. Landmarks beyond `landmarkCount` are not read;
 * missing ones (a face with fewer) leave their channels as they were. Returns how many landmarks were read.
 */
export function readFace(face: Face, landmarkCount: number, out: Float64Array, offset: number): number {
  const { x, y, width, height } = face.box;
  out[offset] = x;
  out[offset + 1] = y;
  out[offset + 2] = x + width;
  out[offset + 3] = y + height;
  const n = Math.min(landmarkCount, face.landmarks.length);
  for (let i = 0; i < n; i++) {
    const p = face.landmarks[i];
    out[offset + 4 + 2 * i] = p[0];
    out[offset + 5 + 2 * i] = p[1];
  }
  return n;
}

/**
 * Writes channel values (`values` at `offset`) into `face`: its box and its first `landmarkCount` landmarks, in
 * place. A face with fewer landmark points gets new ones (the only allocation, once per missing point).
 */
export function writeFace(values: ArrayLike<number>, offset: number, landmarkCount: number, face: Face): void {
  const box = face.box;
  box.x = values[offset];
  box.y = values[offset + 1];
  box.width = values[offset + 2] - values[offset];
  box.height = values[offset + 3] - values[offset + 1];
  const landmarks = face.landmarks;
  for (let i = 0; i < landmarkCount; i++) {
    const x = values[offset + 4 + 2 * i];
    const y = values[offset + 5 + 2 * i];
    if (i < landmarks.length) {
      const p: Point = landmarks[i];
      p[0] = x;
      p[1] = y;
    } else landmarks.push([x, y]);
  }
}
