// MediaPipe's legacy face detection solution (@mediapipe/face_detection): its own wasm + WebGL graph and the BlazeFace
// models it ships, every file served locally through its `locateFile`. It is a classic script (a global
// `FaceDetection`), so it is loaded with a script tag, as its documentation does.
import type { CreatePeerDetector, Face } from './adapter.ts';
import { canvasOf } from './adapter.ts';

export const MEDIAPIPE_FILES = '/vendor/mediapipe-face-detection/';

/** A detection as the solution returns it: a box normalised to [0, 1] by centre and size, 6 normalised keypoints. */
export interface LegacyDetection {
  boundingBox: { xCenter: number; yCenter: number; width: number; height: number };
  landmarks: { x: number; y: number }[];
  [field: string]: unknown;
}

/**
 * The score of a legacy detection. The solution's typings leave it out; the detection carries it in its list of
 * classifications (`{index, <score>, label, displayName}`), under a minified field name, so it is found by shape.
 */
export function legacyScore(detection: LegacyDetection): number {
  for (const value of Object.values(detection)) {
    const first = Array.isArray(value) ? value[0] : undefined;
    if (first && typeof first === 'object' && 'index' in first) {
      const score = Object.entries(first).find(([key, v]) => key !== 'index' && typeof v === 'number');
      if (score) return score[1] as number;
    }
  }
  throw new Error('MediaPipe face_detection: no score found in a detection');
}

/**
 * Faces in pixels from legacy detections on a width × height image. BlazeFace's keypoints are the subject's right
 * eye (on the image's left), left eye, nose tip, mouth centre and the two ears; it has no mouth corners, so
 * `landmarks` is [left eye, right eye, nose, mouth centre] in image terms — `Face`'s first three points, then the mouth.
 */
export function facesFromMediaPipeLegacy(detections: LegacyDetection[], width: number, height: number): Face[] {
  return detections
    .map((d) => {
      const { xCenter, yCenter, width: w, height: h } = d.boundingBox;
      return {
        box: { x: (xCenter - w / 2) * width, y: (yCenter - h / 2) * height, width: w * width, height: h * height },
        score: legacyScore(d),
        landmarks: d.landmarks.slice(0, 4).map(({ x, y }) => [x * width, y * height] as [number, number]),
      };
    })
    .sort((a, b) => b.score - a.score);
}

interface LegacySolution {
  setOptions(options: { model?: string; minDetectionConfidence?: number; selfieMode?: boolean }): void;
  onResults(listener: (results: { detections: LegacyDetection[] }) => void): void;
  initialize(): Promise<void>;
  send(inputs: { image: HTMLCanvasElement }): Promise<void>;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src, crossOrigin: 'anonymous' });
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/**
 * The solution's own score threshold. Setting `minDetectionConfidence` to anything makes this version abort its
 * graph ("TensorsToDetectionsCalculator … RET_CHECK failure … options_.has_num_classes()"), so it stays at its
 * default and lower thresholds cannot be had; higher ones are applied to its results.
 */
export const LEGACY_SCORE_THRESHOLD = 0.5;

export const create: CreatePeerDetector = async (config) => {
  await loadScript(`${MEDIAPIPE_FILES}face_detection.js`);
  const FaceDetection = (globalThis as unknown as { FaceDetection: new (c: object) => LegacySolution }).FaceDetection;
  const solution = new FaceDetection({ locateFile: (file: string) => `${MEDIAPIPE_FILES}${file}` });
  solution.setOptions({ model: config.model as string, selfieMode: false });
  let deliver: (detections: LegacyDetection[]) => void = () => undefined;
  solution.onResults((results) => deliver(results.detections ?? []));
  await solution.initialize();
  const canvas = document.createElement('canvas');
  return {
    runtime: 'MediaPipe wasm + WebGL',
    threads: 1, // a single-threaded wasm build; inference runs in the WebGL graph
    detect: async (image, score) => {
      const result = new Promise<LegacyDetection[]>((resolve) => (deliver = resolve));
      await solution.send({ image: canvasOf(image, canvas) });
      return facesFromMediaPipeLegacy(await result, image.width, image.height).filter((f) => f.score >= score);
    },
  };
};
