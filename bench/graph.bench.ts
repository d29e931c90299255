// npm run bench:graph — the mnet.25 graph variants in Chromium (Debian's, headless) on the WASM EP
// (onnxruntime-web/wasm), 640x480, 1 and 2 threads: every converter pass alone and together, onnxruntime session
// options, and the in-graph pre-processing (RGBA bytes in) against JS packing + float input. All graphs of one
// thread count run in one page, interleaved run by run, so that ratios compare like with like on a noisy machine.
// Prints figures; asserts nothing. RUNS=n sets the timed runs per graph (default 40); BENCH_PORT the dev server's;
// GRAPHS=<regexp> keeps the graphs whose label matches (exact's row, the ratios' base, always stays); THREADS=1,2.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';
import { launchOptions } from '../playwright.config.ts';
import { convertMxnet, type ConvertOptions } from '../src/convert/mxnet/convert-mxnet.ts';
import { encodeOnnx } from '../src/convert/onnx/onnx-io.ts';
import { DataType, intAttr, type OnnxModel } from '../src/convert/onnx/onnx-model.ts';
import { foldBatchNorms, pruneInitializers } from '../src/convert/passes/fold-bn.ts';
import { mergeSiblingConvs } from '../src/convert/passes/merge-sibling-convs.ts';
import { pairSoftmaxToSigmoid } from '../src/convert/passes/pair-softmax.ts';
import { moveReluBeforeConcat } from '../src/convert/passes/relu-through-concat.ts';
import { cache, mnet } from './bench-models.ts';

const PORT = Number(process.env.BENCH_PORT ?? 5175);
const RUNS = Number(process.env.RUNS ?? 40);
const FRAME = '/shared/testdata/photos/group-640x480.jpg';
const dir = `${cache}graph/`;

type Pass = (model: OnnxModel) => void;
const PASSES: Record<string, Pass> = {
  fold: (m) => void foldBatchNorms(m.graph),
  relu: (m) => void moveReluBeforeConcat(m.graph),
  sigmoid: (m) => void pairSoftmaxToSigmoid(m.graph, m.opset),
  merge: (m) => void mergeSiblingConvs(m.graph, m.opset),
};

/** The RGBA head with a Cast where the converter puts DequantizeLinear (scale 1, zero point 0): for comparison. */
const castHead: Pass = (m) => {
  const dq = m.graph.nodes.find((n) => n.opType === 'DequantizeLinear')!;
  Object.assign(dq, { opType: 'Cast', inputs: [dq.inputs[0]], attributes: [intAttr('to', DataType.FLOAT)] });
};

interface Variant {
  label: string;
  file: string;
  input: 'float' | 'rgba';
  options?: Record<string, unknown>;
}

/** Builds a variant: the BGR conversion, then passes in order (the converter's own options, or passes by name). */
function build(file: string, options: ConvertOptions, passes: string[] = [], edit?: Pass): string {
  const { model } = convertMxnet(mnet(), { channelOrder: 'BGR', ...options });
  for (const p of passes) PASSES[p](model);
  edit?.(model);
  pruneInitializers(model.graph);
  writeFileSync(dir + file, encodeOnnx(model));
  return file;
}

function variants(): Variant[] {
  mkdirSync(dir, { recursive: true });
  const f = (label: string, file: string, input: Variant['input'] = 'float', options?: Variant['options']): Variant => ({ label, file, input, options });
  const optimized = build('optimized.onnx', { optimize: true });
  return [
    f('exact (today’s default)', build('exact.onnx', {})),
    f('--fold-bn', build('fold.onnx', {}, ['fold'])),
    f('fold + relu before concat', build('fold-relu.onnx', {}, ['fold', 'relu'])),
    f('fold + sigmoid heads', build('fold-sigmoid.onnx', {}, ['fold', 'sigmoid'])),
    f('fold + merged siblings', build('fold-merge.onnx', {}, ['fold', 'merge'])),
    f('--optimize (all passes)', optimized),
    f('--optimize, mem arena+pattern', optimized, 'float', { enableCpuMemArena: true, enableMemPattern: true }),
    f('--optimize, parallel mode', optimized, 'float', { executionMode: 'parallel' }),
    f('--optimize, fixed 640x480', optimized, 'float', { freeDimensionOverrides: { height: 480, width: 640 } }),
    f('--optimize --input rgba-u8', build('optimized-rgba.onnx', { optimize: true, input: 'rgba-u8' }), 'rgba'),
    f('  same, RGB weights (forward Slice)', build('optimized-rgba-rgb.onnx', { optimize: true, input: 'rgba-u8', channelOrder: 'RGB' }), 'rgba'),
    f('  same, Cast instead of DQ', build('optimized-rgba-cast.onnx', { optimize: true, input: 'rgba-u8' }, [], castHead), 'rgba'),
  ];
}

async function openBenchPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  const shared = new URL('../../shared/', import.meta.url).pathname;
  await page.route('**/shared/**', (route) => route.fulfill({ path: shared + new URL(route.request().url()).pathname.split('/shared/')[1] }));
  await page.goto(`http://localhost:${PORT}/bench/browser-bench.html`);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady);
  return page;
}

const only = process.env.GRAPHS ? new RegExp(process.env.GRAPHS) : null;
const list = variants().filter((v, i) => i === 0 || !only || only.test(v.label));
const server = spawn('npx', ['vite', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
try {
  for (let i = 0; !(await fetch(`http://localhost:${PORT}`).then((r) => r.ok, () => false)); i++) {
    if (i > 120) throw new Error('vite did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const browser = await chromium.launch(launchOptions());
  console.log(`\nmnet.25 graph variants, session.run at 640x480 on the WASM EP in Chromium (onnxruntime-web/wasm), ${RUNS} interleaved runs each.`);
  console.log('ms as median / p95; "pack" = ImagePacker on the frame’s RGBA bytes (float inputs) or nothing (RGBA input).\n');
  for (const numThreads of (process.env.THREADS ?? '1,2').split(',').map(Number)) {
    const page = await openBenchPage(browser);
    const cases = list.map((v) => ({ label: v.label, url: `/.cache/bench/graph/${v.file}`, input: v.input, options: v.options }));
    const rows = await page.evaluate(([c, n, frame, runs]) => (window as any).benchGraphs(c, n, frame, runs), [cases, numThreads, FRAME, RUNS] as const);
    await page.close();
    const [base, baseMin] = [rows[0].run.median, rows[0].min];
    console.log(`${numThreads} thread(s)  ${'graph'.padEnd(36)} ${'session.run'.padStart(15)}  vs exact     min  vs exact   ${'pack'.padStart(5)}   ${'pack + run'.padStart(15)}`);
    for (const r of rows) {
      const ms = (s: { median: number; p95: number }) => `${s.median.toFixed(1).padStart(6)} / ${s.p95.toFixed(1).padStart(6)}`;
      console.log(`           ${r.label.padEnd(36)} ${ms(r.run)}  ${(base / r.run.median).toFixed(3).padStart(7)}x  ${r.min.toFixed(1).padStart(6)}  ${(baseMin / r.min).toFixed(3).padStart(7)}x  ${r.pack.median.toFixed(2).padStart(5)}   ${ms(r.packAndRun)}`);
    }
    console.log('');
  }
  await browser.close();
  console.log('Ratios are exact’s figure / the graph’s, from the same page and the same interleaved runs (min: the fastest run, the least');
  console.log('disturbed by other load). The machine may be shared: figures are noisy.');
} finally {
  if (server.pid) process.kill(-server.pid);
}
