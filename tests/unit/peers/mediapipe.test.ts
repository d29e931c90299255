// MediaPipe detections → Face: the legacy solution's normalised centre boxes and hidden score, and Tasks' pixel boxes.
import { describe, expect, it } from 'vitest';
import { facesFromMediaPipeLegacy, legacyScore, type LegacyDetection } from '../../../bench/peers/adapters/mediapipe-legacy.ts';
import { facesFromMediaPipeTasks } from '../../../bench/peers/adapters/mediapipe-tasks.ts';

// What @mediapipe/face_detection 0.4.1657300184 returned for astronaut.png (512x512), model 'short', in the
// benchmark's page: the score sits in a minified field `Z` of classifications.
const astronaut: LegacyDetection = {
  boundingBox: { xCenter: 0.44015684723854065, yCenter: 0.2493073046207428, height: 0.1807534098625183, width: 0.1807534098625183, rotation: 0, rectId: 0 } as LegacyDetection['boundingBox'],
  landmarks: [
    { x: 0.40080973505973816, y: 0.19626647233963013 },
    { x: 0.48698440194129944, y: 0.2118050903081894 },
    { x: 0.43730852007865906, y: 0.24176576733589172 },
    { x: 0.430533230304718, y: 0.28234633803367615 },
    { x: 0.3475036323070526, y: 0.21340996026992798 },
    { x: 0.529327929019928, y: 0.2444978505373001 },
  ],
  Z: [{ index: 0, ma: 0.9207897186279297 }],
};

describe('MediaPipe legacy face_detection', () => {
  it('turns the normalised centre + size into a top-left corner + size in pixels', () => {
    const [face] = facesFromMediaPipeLegacy([astronaut], 512, 512);
    const side = 0.1807534098625183 * 512;
    expect(face.box.x).toBeCloseTo((0.44015684723854065 - 0.1807534098625183 / 2) * 512, 9);
    expect(face.box.y).toBeCloseTo((0.2493073046207428 - 0.1807534098625183 / 2) * 512, 9);
    expect(face.box.width).toBeCloseTo(side, 9);
    expect(face.box.height).toBeCloseTo(side, 9);
  });

  it('scales each axis by its own side on a non-square image', () => {
    const [face] = facesFromMediaPipeLegacy([{ ...astronaut, boundingBox: { xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.4 } }], 1000, 500);
    expect(face.box).toEqual({ x: 400, y: 150, width: 200, height: 200 });
    expect(face.landmarks[0][0]).toBeCloseTo(0.40080973505973816 * 1000, 9);
    expect(face.landmarks[0][1]).toBeCloseTo(0.19626647233963013 * 500, 9);
  });

  it('finds the score by the shape of the classification list, whatever its minified name', () => {
    expect(legacyScore(astronaut)).toBe(0.9207897186279297);
    const { Z, ...rest } = astronaut;
    expect(legacyScore({ ...rest, qa: Z } as LegacyDetection)).toBe(0.9207897186279297);
    expect(() => legacyScore(rest as LegacyDetection)).toThrow(/no score/);
  });

  it("keeps the image-left eye, image-right eye, nose and mouth centre and drops the ears", () => {
    const [face] = facesFromMediaPipeLegacy([astronaut], 512, 512);
    expect(face.landmarks).toHaveLength(4);
    expect(face.landmarks[0][0]).toBeLessThan(face.landmarks[1][0]);
    expect(face.landmarks[3][1]).toBeGreaterThan(face.landmarks[2][1]);
  });
});

describe('MediaPipe Tasks FaceDetector', () => {
  it('keeps the pixel box (origin = top-left), takes the first category score, scales keypoints, best first', () => {
    const faces = facesFromMediaPipeTasks(
      [
        { boundingBox: { originX: 5, originY: 6, width: 7, height: 8 }, categories: [{ score: 0.4 }], keypoints: [] },
        { boundingBox: { originX: 10, originY: 20, width: 30, height: 40 }, categories: [{ score: 0.8 }], keypoints: [{ x: 0.5, y: 0.25 }, { x: 0.75, y: 0.25 }] },
        { categories: [{ score: 0.9 }], keypoints: [] },
      ],
      200,
      100,
    );
    expect(faces).toEqual([
      { box: { x: 10, y: 20, width: 30, height: 40 }, score: 0.8, landmarks: [[100, 25], [150, 25]] },
      { box: { x: 5, y: 6, width: 7, height: 8 }, score: 0.4, landmarks: [] },
    ]);
  });
});
