// OpenCV.js running YuNet through cv.FaceDetectorYN: the runtime most YuNet users have. @techstark/opencv-js is
// the most used npm build of OpenCV.js; its 4.12 build includes objdetect (FaceDetectorYN) and dnn, single-threaded.
import type { CreatePeerDetector, Face } from './adapter.ts';

export const YUNET_MODEL_URL = '/shared/models/yunet/face_detection_yunet_2026may.onnx';
/** FaceDetectorYN's row: x, y, w, h, then right eye, left eye, nose tip, right and left mouth corner (x, y each), score. */
export const YUNET_ROW = 15;

/**
 * Faces from the rows of FaceDetectorYN's output Mat (CV_32F, one face a row). Its box is top-left corner + size,
 * like `Face`; its landmarks are the subject's right eye, left eye, nose, right and left mouth corner — on an
 * unmirrored photo the subject's right is the image's left, so they are already in `Face`'s order.
 */
export function facesFromYuNetRows(data: Float32Array, rows: number): Face[] {
  const faces: Face[] = [];
  for (let r = 0; r < rows; r++) {
    const v = data.subarray(r * YUNET_ROW, (r + 1) * YUNET_ROW);
    faces.push({
      box: { x: v[0], y: v[1], width: v[2], height: v[3] },
      score: v[14],
      landmarks: [0, 1, 2, 3, 4].map((k) => [v[4 + 2 * k], v[5 + 2 * k]] as [number, number]),
    });
  }
  return faces.sort((a, b) => b.score - a.score);
}

type Cv = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- OpenCV.js's typings do not list FaceDetectorYN

/** The ready OpenCV.js module, in a box (see opencv-module.ts: the module itself must never be awaited). */
async function loadOpenCv(): Promise<{ cv: Cv }> {
  const cvModule = (await import('./opencv-module.ts')).opencv.module as Cv;
  if (!cvModule.Mat) await new Promise<void>((resolve) => (cvModule.onRuntimeInitialized = () => resolve()));
  return { cv: cvModule };
}

export const create: CreatePeerDetector = async (_config, scoreThreshold) => {
  const [{ cv }, model] = await Promise.all([loadOpenCv(), fetch(YUNET_MODEL_URL).then((r) => r.arrayBuffer())]);
  cv.FS_createDataFile('/', 'yunet.onnx', new Uint8Array(model), true, false, false);
  const detector = new cv.FaceDetectorYN('/yunet.onnx', '', new cv.Size(320, 320), scoreThreshold, 0.3, 5000);
  const canvas = new OffscreenCanvas(1, 1);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const threads = typeof cv.getNumThreads === 'function' ? cv.getNumThreads() : 1; // built without a parallel framework
  return {
    runtime: `OpenCV.js ${cv.getBuildInformation().match(/Version control:\s+(\S+)/)?.[1] ?? ''} dnn (WASM)`,
    threads,
    detect: async (image, score) => {
      [canvas.width, canvas.height] = [image.width, image.height];
      ctx.drawImage(image, 0, 0);
      const rgba = cv.matFromImageData(ctx.getImageData(0, 0, image.width, image.height));
      const bgr = new cv.Mat();
      const out = new cv.Mat();
      try {
        cv.cvtColor(rgba, bgr, cv.COLOR_RGBA2BGR);
        detector.setInputSize(new cv.Size(image.width, image.height));
        detector.setScoreThreshold(score);
        detector.detect(bgr, out);
        return facesFromYuNetRows(out.rows ? out.data32F : new Float32Array(0), out.rows);
      } finally {
        rgba.delete();
        bgr.delete();
        out.delete();
      }
    },
  };
};
