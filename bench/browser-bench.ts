// Runs inside Chromium for `npm run bench:browser`; the Node side prints the figures.
import { createFaceDetector } from '../src/index.ts';
import { ImagePacker, planGeometry, tensorLength } from '../src/core/index.ts';

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

/** One graph to time: its URL and how it is fed (a packed float32 NCHW tensor, or the frame's RGBA bytes). */
interface GraphCase {
  label: string;
  url: string;
  /** 'float': ImagePacker packs the frame (BGR or RGB per `channelOrder`) each run; 'rgba': uint8 [1,H,W,4]. */
  input: 'float' | 'rgba';
  channelOrder?: 'BGR' | 'RGB';
  /** Session options beyond the bench's defaults (wasm EP, graphOptimizationLevel 'all'). */
  options?: Record<string, unknown>;
}

/**
 * session.run of several graphs in one page (one onnxruntime-web/wasm module, one thread count), interleaved
 * run by run so that the machine's noise hits every graph alike. Per graph: the run alone, and pack + run (the
 * JS packing of the frame, for float inputs; nothing for RGBA inputs, which take the frame's bytes as they are).
 */
async function benchGraphs(cases: GraphCase[], numThreads: number, imageUrl: string, runs: number) {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = numThreads;
  const canvas = await frameCanvas(imageUrl);
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  const geometry = planGeometry({ width, height }, null);
  if (geometry.inputWidth !== width || geometry.inputHeight !== height) throw new Error('the bench frame must be a multiple of 32 in size');
  const prepared = [];
  for (const c of cases) {
    const model = new Uint8Array(await (await fetch(c.url)).arrayBuffer());
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...c.options });
    const packer = new ImagePacker({ channelOrder: c.channelOrder ?? 'BGR', mean: [0, 0, 0], std: [1, 1, 1] });
    const buffer = new Float32Array(tensorLength(geometry));
    const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    const feed = () => {
      if (c.input === 'rgba') return new ort.Tensor('uint8', bytes, [1, height, width, 4]);
      return new ort.Tensor('float32', packer.pack({ data: rgba, width, height }, geometry, buffer), [1, 3, height, width]);
    };
    prepared.push({ c, session, feed, run: [] as number[], packAndRun: [] as number[], pack: [] as number[] });
  }
  for (const p of prepared) for (let i = 0; i < 3; i++) await p.session.run({ [p.session.inputNames[0]]: p.feed() });
  for (let i = 0; i < runs; i++) {
    for (const p of prepared) {
      const t0 = performance.now();
      const input = p.feed();
      const t1 = performance.now();
      await p.session.run({ [p.session.inputNames[0]]: input });
      const t2 = performance.now();
      p.pack.push(t1 - t0);
      p.run.push(t2 - t1);
      p.packAndRun.push(t2 - t0);
    }
  }
  for (const p of prepared) await p.session.release();
  return prepared.map((p) => ({ label: p.c.label, input: p.c.input, run: stats(p.run), pack: stats(p.pack), packAndRun: stats(p.packAndRun), min: Math.min(...p.run) }));
}

Object.assign(window, { benchDetect, benchSession, benchGraphs, benchReady: true });
