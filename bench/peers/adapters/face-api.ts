// @vladmandic/face-api's two face detectors (SsdMobilenetv1, TinyFaceDetector) on its bundled tfjs WASM backend.
import type { CreatePeerDetector, Face } from './adapter.ts';
import { canvasOf } from './adapter.ts';
import { MAX_FACES } from '../detectors.ts';

/** The part of face-api's `FaceDetection` this adapter reads: `box` is top-left corner + size in input pixels. */
export interface FaceApiDetection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}

/** Faces from face-api's detections (face-api's detectors give no landmarks). */
export function facesFromFaceApi(detections: FaceApiDetection[]): Face[] {
  return detections
    .map(({ score, box: { x, y, width, height } }) => ({ box: { x, y, width, height }, score, landmarks: [] }))
    .sort((a, b) => b.score - a.score);
}

export const create: CreatePeerDetector = async (config) => {
  const faceapi = await import('@vladmandic/face-api');
  const tf = faceapi.tf as unknown as {
    setWasmPaths(path: string): void;
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    getThreadsCount?: () => number;
  };
  tf.setWasmPaths(new URL('/vendor/tfjs-backend-wasm/', location.href).href);
  if (!(await tf.setBackend('wasm'))) throw new Error('face-api: the tfjs wasm backend did not start');
  await tf.ready();
  const models = new URL('/vendor/face-api-models/', location.href).href;
  const tiny = config.net === 'tiny';
  await (tiny ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1).loadFromUri(models);
  const canvas = document.createElement('canvas');
  return {
    runtime: `tfjs ${tf.getBackend().toUpperCase()}`,
    threads: tf.getThreadsCount?.() ?? NaN,
    detect: async (image, score) => {
      const options = tiny
        ? new faceapi.TinyFaceDetectorOptions({ inputSize: config.inputSize as number, scoreThreshold: score })
        : new faceapi.SsdMobilenetv1Options({ minConfidence: score, maxResults: MAX_FACES });
      return facesFromFaceApi(await faceapi.detectAllFaces(canvasOf(image, canvas), options));
    },
  };
};
