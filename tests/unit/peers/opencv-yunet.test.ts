// OpenCV.js FaceDetectorYN rows → Face: the conversion on a hand-made row, and on a real run of the peer's npm
// package (OpenCV.js runs in Node too) on a real photo, where the landmark order can be seen.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { facesFromYuNetRows, YUNET_ROW } from '../../../bench/peers/adapters/opencv-yunet.ts';

describe('facesFromYuNetRows', () => {
  it('reads x, y, w, h as the top-left corner and size, the five points in order and the score last', () => {
    const row = [10, 20, 30, 40, 15, 30, 35, 31, 25, 40, 17, 50, 33, 51, 0.75];
    const [face] = facesFromYuNetRows(new Float32Array(row), 1);
    expect(face.box).toEqual({ x: 10, y: 20, width: 30, height: 40 });
    expect(face.score).toBe(0.75);
    expect(face.landmarks).toEqual([[15, 30], [35, 31], [25, 40], [17, 50], [33, 51]]);
  });

  it('reads every row and orders faces best first', () => {
    const rows = new Float32Array(3 * YUNET_ROW);
    [0.5, 0.9, 0.7].forEach((score, r) => {
      rows[r * YUNET_ROW] = r;
      rows[r * YUNET_ROW + 14] = score;
    });
    const faces = facesFromYuNetRows(rows, 3);
    expect(faces.map((f) => f.box.x)).toEqual([1, 2, 0]);
    expect(faces.map((f) => f.score)).toEqual([Math.fround(0.9), Math.fround(0.7), 0.5]);
    expect(facesFromYuNetRows(new Float32Array(0), 0)).toEqual([]);
  });

  it("on a real FaceDetectorYN run, the first point is the eye on the image's left and the mouth corners follow", async () => {
    const require = createRequire(import.meta.url);
    const cvModule = require('@techstark/opencv-js');
    if (!cvModule.Mat) await new Promise<void>((resolve) => (cvModule.onRuntimeInitialized = () => resolve()));
    const cv = cvModule;
    cv.FS_createDataFile('/', 'yunet.onnx', new Uint8Array(readFileSync('../shared/models/yunet/face_detection_yunet_2026may.onnx')), true, false, false);
    const { data, info } = await sharp('../shared/testdata/photos/group-640x480.jpg').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = cv.matFromArray(info.height, info.width, cv.CV_8UC3, Array.from(data));
    const bgr = new cv.Mat();
    cv.cvtColor(rgb, bgr, cv.COLOR_RGB2BGR);
    const detector = new cv.FaceDetectorYN('/yunet.onnx', '', new cv.Size(info.width, info.height), 0.6, 0.3, 5000);
    const out = new cv.Mat();
    detector.detect(bgr, out);
    const faces = facesFromYuNetRows(out.data32F, out.rows);
    expect(faces.length).toBeGreaterThan(10);
    for (const { box, landmarks } of faces) {
      const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks;
      expect(leftEye[0]).toBeLessThan(rightEye[0]);
      expect(leftMouth[0]).toBeLessThan(rightMouth[0]);
      expect(Math.max(leftEye[1], rightEye[1])).toBeLessThan(Math.min(leftMouth[1], rightMouth[1]));
      for (const [x, y] of [leftEye, rightEye, nose]) {
        expect(x).toBeGreaterThan(box.x);
        expect(x).toBeLessThan(box.x + box.width);
        expect(y).toBeGreaterThan(box.y);
        expect(y).toBeLessThan(box.y + box.height);
      }
    }
    [rgb, bgr, out].forEach((m) => m.delete());
  });
});
