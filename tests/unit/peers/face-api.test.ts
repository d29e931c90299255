// face-api's FaceDetection → Face: its box is already top-left corner + size in pixels; no landmarks.
import { describe, expect, it } from 'vitest';
import { facesFromFaceApi } from '../../../bench/peers/adapters/face-api.ts';

describe('facesFromFaceApi', () => {
  it('copies the box (x, y, width, height) and score, with no landmarks, best first', () => {
    // face-api's Box has getters (left, right, …) besides x, y, width, height: only the four are read.
    const box = { x: 219.04, y: 56.65, width: 27.22, height: 36.69, get right() { return 246.26; } };
    const faces = facesFromFaceApi([
      { score: 0.6, box: { x: 1, y: 2, width: 3, height: 4 } },
      { score: 0.99, box },
    ]);
    expect(faces).toEqual([
      { box: { x: 219.04, y: 56.65, width: 27.22, height: 36.69 }, score: 0.99, landmarks: [] },
      { box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.6, landmarks: [] },
    ]);
  });
});
