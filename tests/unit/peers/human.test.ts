// Human's face results → Face: [x, y, width, height] boxes, BlazeFace's six points cut to eyes, nose, mouth.
import { describe, expect, it } from 'vitest';
import { facesFromHuman } from '../../../bench/peers/adapters/human.ts';

// Shaped like Human 3.3.6's FaceResult with the mesh off (mesh = BlazeFace's 6 points, pixels, with z); the points
// first four are those it returned for a face of group-640x480.jpg in the benchmark (the ears are made up).
const face = {
  box: [174, 231, 67, 67] as [number, number, number, number],
  score: 0.86,
  mesh: [[195.7, 257.2, 0], [217.3, 256.9, 0], [205.5, 265.9, 0], [206.7, 273.0, 0], [180.1, 262.0, 0], [232.4, 261.5, 0]],
};

describe('facesFromHuman', () => {
  it('reads the box as top-left corner + size and keeps the score', () => {
    const [f] = facesFromHuman([face]);
    expect(f.box).toEqual({ x: 174, y: 231, width: 67, height: 67 });
    expect(f.score).toBe(0.86);
  });

  it("keeps the left eye, right eye, nose and mouth centre (x, y only) and drops the ears", () => {
    const [f] = facesFromHuman([face]);
    expect(f.landmarks).toEqual([[195.7, 257.2], [217.3, 256.9], [205.5, 265.9], [206.7, 273.0]]);
    expect(f.landmarks[0][0]).toBeLessThan(f.landmarks[1][0]);
  });

  it('orders faces best first', () => {
    const faces = facesFromHuman([{ ...face, score: 0.3 }, { ...face, score: 0.9 }, { ...face, score: 0.5 }]);
    expect(faces.map((f) => f.score)).toEqual([0.9, 0.5, 0.3]);
  });
});
