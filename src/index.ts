// retinaface-web: face detection in the browser, on WebGPU or WASM.
import { spawnDetectorWorker } from './client/spawn-worker.ts';
import { createDetector } from './detector/create-face-detector.ts';
import type { FaceDetector } from './detector/face-detector.ts';
import type { FaceDetectorOptions } from './options/face-detector-options.ts';

export * from './exports.ts';

/**
 * Loads a face model into a module worker (WebGPU on a hardware adapter, else WASM) and returns a ready,
 * warmed-up detector. Every option is checked before anything is downloaded; see `FaceDetectorOptions` for
 * each option and its default. Rejects with `InvalidInputError`, `ModelLoadError`, `UnsupportedModelError`,
 * `BackendError`, or the reason of `options.signal`.
 */
export function createFaceDetector(options?: FaceDetectorOptions): Promise<FaceDetector> {
  return createDetector(options, spawnDetectorWorker);
}
