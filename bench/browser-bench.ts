// Runs inside Chromium for `npm run bench:browser`; the Node side prints the figures.
import { createFaceDetector } from '../src/index.ts';

type Stats = { median: number; p95: number };
const stats = (values: number[]): Stats => {
  const s = [...values].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] };
};

async function frameCanvas(url: string): Promise<HTMLCanvasElement> {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return canvas;
}

/** detect() end to end against session.run alone, per thread count and frame path. */
async function benchDetect(imageUrl: string, numThreads: number, framePath: 'bitmap' | 'tensor', runs: number) {
  const canvas = await frameCanvas(imageUrl);
  const detector = await createFaceDetector({ backend: 'wasm', numThreads, framePath });
  for (let i = 0; i < 3; i++) await detector.detect(canvas);
  const rows: Record<string, number[]> = { total: [], inference: [], mainThread: [], capture: [], pack: [], decode: [], transfer: [] };
  let faces = 0;
  for (let i = 0; i < runs; i++) {
    const r = await detector.detect(canvas);
    faces = r.faces.length;
    for (const k of Object.keys(rows)) rows[k].push(r.timings[k as keyof typeof r.timings]);
  }
  const out = { numThreads: detector.numThreads, framePath, faces, crossOriginIsolated, ...Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, stats(v)])) };
  await detector.dispose();
  return out;
}

const BUNDLES = {
  wasm: () => import('onnxruntime-web/wasm'),
  jsep: () => import('onnxruntime-web'),
  webgpu: () => import('onnxruntime-web/webgpu'),
};

/**
 * session.run of a model on the WASM EP through one onnxruntime-web bundle, outside our code. onnxruntime fixes
 * its thread count when its WASM module starts, so each thread count needs a fresh page.
 */
async function benchSession(modelUrl: string, bundle: keyof typeof BUNDLES, numThreads: number, sizes: [number, number][], runs: number) {
  const model = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  const ort = await BUNDLES[bundle]();
  ort.env.wasm.numThreads = numThreads;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const out: Record<string, Stats> = {};
  for (const [width, height] of sizes) {
    const input = new ort.Tensor('float32', new Float32Array(3 * width * height).map((_, i) => (i * 2654435761) % 256), [1, 3, height, width]);
    await session.run({ [session.inputNames[0]]: input });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run({ [session.inputNames[0]]: input });
      times.push(performance.now() - t0);
    }
    out[`${width}x${height}`] = stats(times);
  }
  await session.release();
  return out;
}

Object.assign(window, { benchDetect, benchSession, benchReady: true });
