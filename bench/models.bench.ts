/**
 * Model benchmark (prints figures, asserts nothing): onnxruntime-web's WASM backend in Node.
 *
 * - the ResNet-50 topology (R50-symbol.json with synthetic weights: timing only) at 640x640 and 640x480;
 * - the mnet.25 release converted with and without `--fold-bn`, at 640x640 and 640x480;
 * each with 1 and 2 WASM threads: ms per inference (median) and achieved GFLOP/s, where the work is counted as
 * `retinaface-web info` counts it for OpenVINO (the model card's rule: R50 at 640x640 = 100.8478 GFLOPs).
 *
 * Usage: npm run bench:models [-- --threads 1,2 --runs 5 --sizes 640x640,640x480]
 * Models are built into .cache/bench/ (ignored by git) on the first run. Each thread count runs in its own
 * process, because onnxruntime-web fixes the thread count when its WASM module starts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeModel } from '../src/convert/model-info.ts';
import { decodeOnnx } from '../src/convert/onnx/onnx-io.ts';
import { cache, ensureModels, MODELS, shared } from './bench-models.ts';

interface Result {
  model: string;
  size: string;
  threads: number;
  createMs: number;
  runs: number[];
  gflops: number;
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function child(threads: number, sizes: { width: number; height: number }[], runs: number): Promise<void> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  for (const m of MODELS) {
    const bytes = new Uint8Array(readFileSync(cache + m.file));
    const t0 = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const createMs = performance.now() - t0;
    const model = decodeOnnx(bytes);
    for (const size of sizes) {
      const flops = analyzeModel(model, size).openvino.flops ?? NaN;
      const pixels = new Float32Array(3 * size.width * size.height).map((_, i) => (i * 2654435761) % 256);
      const feeds = { data: new ort.Tensor('float32', pixels, [1, 3, size.height, size.width]) };
      await session.run(feeds); // warm-up
      const n = m.id === 'r50' ? runs : runs * 4;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t);
      }
      const result: Result = { model: m.label, size: `${size.width}x${size.height}`, threads, createMs, runs: times, gflops: flops / 1e9 };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    await session.release();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
      threads: { type: 'string', default: '1,2' },
      runs: { type: 'string', default: '3' },
      sizes: { type: 'string', default: '640x640,640x480' },
    },
  });
  const sizes = values.sizes!.split(',').map((s) => {
    const [width, height] = s.split('x').map(Number);
    return { width, height };
  });
  const runs = Number(values.runs);
  const threadCounts = values.threads!.split(',').map(Number);
  if (values.child) return child(threadCounts[0], sizes, runs);

  if (!existsSync(`${shared}retinaface-r50/R50-symbol.json`)) {
    console.error('bench:models needs ../shared/models (R50-symbol.json and the mnet.25 release); skipped.');
    return;
  }
  ensureModels();
  const results: Result[] = [];
  for (const threads of threadCounts) {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--threads', String(threads), '--runs', String(runs), '--sizes', values.sizes!],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    if (run.status !== 0) throw new Error(`the ${threads}-thread run failed (exit ${run.status})`);
    results.push(...run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Result));
  }

  console.log(`\nonnxruntime-web WASM in Node ${process.version}; median of the timed runs after one warm-up; GFLOP/s = OpenVINO-rule FLOPs / time`);
  console.log(`${'model'.padEnd(30)} ${'size'.padEnd(8)} thr  ${'ms/inference'.padStart(12)}  ${'min..max'.padStart(17)}  ${'GFLOPs'.padStart(8)}  ${'GFLOP/s'.padStart(7)}  session`);
  for (const r of results) {
    const ms = median(r.runs);
    console.log(
      `${r.model.padEnd(30)} ${r.size.padEnd(8)} ${String(r.threads).padStart(3)}  ${ms.toFixed(1).padStart(12)}  ` +
        `${`${Math.min(...r.runs).toFixed(0)}..${Math.max(...r.runs).toFixed(0)}`.padStart(17)}  ${r.gflops.toFixed(4).padStart(8)}  ` +
        `${(r.gflops / (ms / 1000)).toFixed(2).padStart(7)}  ${Math.round(r.createMs)} ms`,
    );
  }
  console.log('\nThe machine may be shared: figures are noisy. The synthetic ResNet-50 detects nothing; it measures cost only.');
}

await main();
