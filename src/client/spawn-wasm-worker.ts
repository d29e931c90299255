// The WASM-only worker, in a file of its own so that the full entry point never references it (and vice versa).
export const spawnWasmDetectorWorker = (): Worker =>
  new Worker(new URL('../worker/detector-wasm.worker.ts', import.meta.url), { type: 'module', name: 'retinaface-web' });
