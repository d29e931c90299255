// retinaface-web/wasm: the same API on WASM only. Its worker never references onnxruntime's WebGPU bundle, so an
// app's bundler emits 14 MB of runtime instead of 41 MB.
import { spawnWasmDetectorWorker } from './client/spawn-wasm-worker.ts';
import { createDetector } from './detector/create-face-detector.ts';
import type { FaceDetector } from './detector/face-detector.ts';
import type { FaceDetectorOptions } from './options/face-detector-options.ts';

export * from './exports.ts';

/**
 * Loads a face model into a module worker on WASM and returns a ready, warmed-up detector; `backend: 'webgpu'`
 * is a `BackendError` here (import `retinaface-web` for WebGPU). Otherwise as `createFaceDetector` of
 * `retinaface-web`.
 */
export function createFaceDetector(options?: FaceDetectorOptions): Promise<FaceDetector> {
  return createDetector(options, spawnWasmDetectorWorker);
}
