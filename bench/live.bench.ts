// npm run bench:live — the live camera path, end to end: Chromium's fake camera plays a 30 fps 640x480 clip
// made from a photo, the public watch() API detects on it, and for each model and thread count this prints
// results/s against what session.run allows, detect() against session.run, latency, frames dropped, main-thread
// time and bytes allocated per frame. Prints figures; asserts nothing. Options: MEASURE_MS (15000), WARMUP_MS.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { launchOptions } from '../playwright.config.ts';
import { MODEL_CATALOG } from '../src/models/catalog.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const PORT = Number(process.env.BENCH_PORT ?? 5175);
const MEASURE_MS = Number(process.env.MEASURE_MS ?? 15_000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 4_000);
const SEQUENTIAL_RUNS = Number(process.env.RUNS ?? 40);
const base = `http://localhost:${PORT}`;

/** The clip: a slow pan over a group photo, 640x480 at 30 fps, 5 s (Chromium loops it). */
function makeClip(): string {
  const dir = `${root}.cache/bench/`;
  const clip = `${dir}live-640x480-30fps.y4m`;
  if (existsSync(clip)) return clip;
  mkdirSync(dir, { recursive: true });
  const photo = `${root}../shared/testdata/photos/group-640x480.jpg`;
  const pan = "crop=640:480:'(iw-640)*(0.5-0.5*cos(2*PI*n/150))':'(ih-480)/2'";
  execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-framerate', '30', '-i', photo, '-vf', `scale=800:600,${pan},format=yuv420p`, '-frames:v', '150', '-f', 'yuv4mpegpipe', '-y', clip]);
  return clip;
}

type Timings = { capture: number; pack: number; inference: number; decode: number; transfer: number; total: number; mainThread: number };
const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const median = (v: number[]) => quantile(v, 0.5);
const p95 = (v: number[]) => quantile(v, 0.95);

/** Bytes the V8 heaps of the page and of its detector worker allocate, with the sampling heap profiler. */
class AllocationSampler {
  private worker: string | null = null;
  private id = 0;
  private readonly replies = new Map<number, (result: unknown) => void>();

  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type === 'worker' && e.targetInfo.title === 'retinaface-web') this.worker = e.sessionId;
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const message = JSON.parse(e.message);
      this.replies.get(message.id)?.(message.result);
      this.replies.delete(message.id);
    });
  }

  async attach(): Promise<void> {
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  private toWorker(method: string, params: object = {}): Promise<unknown> {
    if (!this.worker) throw new Error('the detector worker is not attached');
    const id = ++this.id;
    const reply = new Promise((resolve) => this.replies.set(id, resolve));
    void this.cdp.send('Target.sendMessageToTarget', { sessionId: this.worker, message: JSON.stringify({ id, method, params }) });
    return reply;
  }

  private static readonly SAMPLING = { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };

  async start(): Promise<void> {
    await this.cdp.send('HeapProfiler.enable');
    await this.cdp.send('HeapProfiler.startSampling', AllocationSampler.SAMPLING);
    await this.toWorker('HeapProfiler.enable');
    await this.toWorker('HeapProfiler.startSampling', AllocationSampler.SAMPLING);
  }

  /** Estimated bytes allocated since start: the sampled sizes, scaled by the profiler, over every call site. */
  async stop(): Promise<{ page: number; worker: number }> {
    type Node = { selfSize: number; children: Node[] };
    const total = (n: Node): number => n.selfSize + n.children.reduce((s, c) => s + total(c), 0);
    const page = (await this.cdp.send('HeapProfiler.stopSampling')).profile as unknown as { head: Node };
    const worker = (await this.toWorker('HeapProfiler.stopSampling')) as { profile: { head: Node } };
    return { page: total(page.head), worker: total(worker.profile.head) };
  }
}

async function mainThreadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return 1000 * (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
}

interface Row {
  model: string;
  threads: number;
  resultsPerSecond: number;
  boundRate: number;
  run: { median: number; p95: number };
  liveTotal: { median: number; p95: number };
  detect: { median: number; p95: number };
  detectRun: number;
  latency: { median: number; p95: number };
  mainThreadPerFrame: number;
  dropped: number;
  detected: number;
  presented: number;
  heapPerFrame: { page: number; worker: number };
  outputBytes: number;
}

async function benchOne(page: Page, model: string, threads: number, outputBytes: number): Promise<Row> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const sampler = new AllocationSampler(cdp);
  await sampler.attach();
  const info = await page.evaluate(([m, n, w]) => (window as any).bench.start(m, n, w), [model, threads, WARMUP_MS] as const);
  await sampler.start();
  const busy0 = await mainThreadMs(cdp);
  const live = await page.evaluate((ms) => (window as any).bench.measure(ms), MEASURE_MS);
  const busy1 = await mainThreadMs(cdp);
  const heap = await sampler.stop();
  const seq: Timings[] = await page.evaluate((n) => (window as any).bench.sequential(n), SEQUENTIAL_RUNS);
  await page.evaluate(() => (window as any).bench.stop());
  await cdp.detach();

  const inference = live.timings.map((t: Timings) => t.inference);
  const runMedian = median(inference);
  const detectTotals = seq.map((t) => t.total);
  return {
    model,
    threads: info.numThreads,
    resultsPerSecond: live.detected / (live.elapsed / 1000),
    boundRate: 1000 / runMedian,
    run: { median: runMedian, p95: p95(inference) },
    liveTotal: { median: median(live.timings.map((t: Timings) => t.total)), p95: p95(live.timings.map((t: Timings) => t.total)) },
    detect: { median: median(detectTotals), p95: p95(detectTotals) },
    detectRun: median(detectTotals) / median(seq.map((t) => t.inference)),
    latency: { median: median(live.latency), p95: p95(live.latency) },
    mainThreadPerFrame: (busy1 - busy0) / Math.max(1, live.presented),
    dropped: live.dropped,
    detected: live.detected,
    presented: live.presented,
    heapPerFrame: { page: heap.page / Math.max(1, live.presented), worker: heap.worker / Math.max(1, live.detected) },
    outputBytes,
  };
}

/** The bytes onnxruntime-web allocates for a run's outputs at 640x480 (it copies each output into a new typed array). */
async function outputBytesOf(page: Page, model: string): Promise<number> {
  return page.evaluate(async (file) => {
    const ort = await import('onnxruntime-web/wasm');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch(`/public/models/${file}`)).arrayBuffer()));
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(3 * 640 * 480), [1, 3, 480, 640]) });
    const bytes = Object.values(out).reduce((s, t) => s + (t.data as Float32Array).byteLength, 0);
    await session.release();
    return bytes;
  }, MODEL_CATALOG.find((m) => m.id === model)!.file);
}

const clip = makeClip();
const newDefault = 'retinaface-mnet025';
const oldDefault = MODEL_CATALOG.some((m) => m.id === 'retinaface-mnet025-exact') ? 'retinaface-mnet025-exact' : newDefault;
const models = [...new Set([oldDefault, newDefault])];
const server = spawn('npx', ['vite', '--port', String(PORT), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
try {
  for (let i = 0; !(await fetch(base).then((r) => r.ok, () => false)); i++) {
    if (i > 120) throw new Error('vite did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const browser = await chromium.launch(launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`]));
  const rows: Row[] = [];
  // A fresh page per run (onnxruntime fixes its thread count when it starts); models alternate within a thread count.
  for (const threads of [1, 2]) {
    for (const model of [...models, ...models]) {
      const page = await browser.newPage();
      await page.goto(`${base}/bench/live-bench.html`);
      await page.waitForFunction(() => (window as any).benchReady);
      const outputBytes = await outputBytesOf(page, model);
      rows.push(await benchOne(page, model, threads, outputBytes));
      await page.close();
      console.error(`done: ${model}, ${threads} thread(s)`);
    }
  }
  await browser.close();

  const f1 = (v: number) => v.toFixed(1);
  const mp = (s: { median: number; p95: number }) => `${f1(s.median)} / ${f1(s.p95)}`;
  console.log(`\nbench:live — fake camera 640x480 @ 30 fps (${clip.split('/').pop()}), watch() for ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, WASM, native input.`);
  console.log(`Each (model, threads) ran twice, alternating; ms are median / p95. detect(): ${SEQUENTIAL_RUNS} calls in turn on camera frames.\n`);
  console.log('model                       thr  results/s  bound/s  ratio   session.run   live total    latency       detect()      detect/run  main ms/frame  dropped/presented  heap B/frame (page, worker)  ort output B/frame');
  for (const r of rows) {
    console.log(
      [
        r.model.padEnd(27),
        String(r.threads).padStart(3),
        f1(r.resultsPerSecond).padStart(10),
        f1(r.boundRate).padStart(8),
        (r.resultsPerSecond / r.boundRate).toFixed(3).padStart(6),
        mp(r.run).padStart(13),
        mp(r.liveTotal).padStart(13),
        mp(r.latency).padStart(13),
        mp(r.detect).padStart(13),
        r.detectRun.toFixed(3).padStart(10),
        r.mainThreadPerFrame.toFixed(3).padStart(13),
        `${r.dropped}/${r.presented}`.padStart(18),
        `${Math.round(r.heapPerFrame.page)}, ${Math.round(r.heapPerFrame.worker)}`.padStart(28),
        String(r.outputBytes).padStart(19),
      ].join('  '),
    );
  }
  if (oldDefault !== newDefault) {
    for (const threads of [1, 2]) {
      const run = (m: string) => median(rows.filter((r) => r.model === m && r.threads === threads).map((r) => r.run.median));
      console.log(`\n${threads} thread(s): session.run ${oldDefault} / ${newDefault} = ${(run(oldDefault) / run(newDefault)).toFixed(3)}`);
    }
  }
} finally {
  if (server.pid) process.kill(-server.pid);
}
