// A literal `new Worker(new URL(…, import.meta.url))` is what bundlers (Vite, webpack 5, Rollup) follow to emit
// the worker.
export const spawnDetectorWorker = (): Worker =>
  new Worker(new URL('../worker/detector.worker.ts', import.meta.url), { type: 'module', name: 'retinaface-web' });
