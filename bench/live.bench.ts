// npm run bench:live — the live camera path, end to end: Chromium's fake camera plays a 30 fps 640x480 clip
// made from a photo, the public watch() API detects on it, and for each model and thread count this prints
// results/s against what session.run allows, detect() against session.run, latency, frames dropped, main-thread
// time and bytes allocated per frame. Prints figures; asserts nothing. Options: MEASURE_MS (15000), WARMUP_MS,
// THREADS (1,2), BACKEND (wasm; webgpu on a machine with a GPU: here WebGPU is SwiftShader, far slower than WASM;
// it adds --enable-unsafe-webgpu and CHROMIUM_GPU_ARGS to Chromium's flags),
// HEAP_SITES=1 lists the heaviest allocation sites. Beside the old and new default, the new default packing in
// JavaScript (inGraphPreprocessing: false) measures the in-graph pre-processing. Then the tracking figures on the tests' clips (TRACKING=0: not;
// LIVE=0: only those).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { launchOptions } from '../playwright.config.ts';
import { MODEL_CATALOG } from '../src/models/catalog.ts';
import { openHarness } from '../tests/e2e/helpers.ts';
import { idSwitches, landmarkJitter, record, shownFrameError } from '../tests/support/browser-recording.ts';
import { clipsUnavailable, ensureClips, type ClipName } from '../tests/support/clips.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const PORT = Number(process.env.BENCH_PORT ?? 5175);
const MEASURE_MS = Number(process.env.MEASURE_MS ?? 15_000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 4_000);
const SEQUENTIAL_RUNS = Number(process.env.RUNS ?? 40);
const THREADS = (process.env.THREADS ?? '1,2').split(',').map(Number);
const BACKEND = process.env.BACKEND === 'webgpu' ? 'webgpu' : 'wasm';
/** How long the camera plays without a detector, to measure what showing the video alone costs the main thread. */
const IDLE_MS = Math.min(5_000, MEASURE_MS);
/** The tracking part (TRACKING=0 leaves it out) and how long it watches each clip. */
const TRACKING = process.env.TRACKING !== '0';
const TRACKING_MS = Number(process.env.TRACKING_MS ?? 8_000);
/** The tracking tests' input size. */
const FIXED_SIZE = { width: 320, height: 256 };
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
  async stop(): Promise<{ page: number; worker: number; top: { page: string[]; worker: string[] } }> {
    type Node = { selfSize: number; children: Node[]; callFrame: { functionName: string; url: string; lineNumber: number } };
    const total = (n: Node): number => n.selfSize + n.children.reduce((s, c) => s + total(c), 0);
    const sites = (head: Node) => {
      const bySite = new Map<string, number>();
      const name = (f: Node['callFrame']) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
      const walk = (n: Node, parent: string) => {
        const key = n.callFrame.url ? name(n.callFrame) : `${name(n.callFrame)} ← ${parent}`;
        bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
        for (const c of n.children) walk(c, name(n.callFrame));
      };
      walk(head, '');
      return [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${Math.round(v / 1024)} KB ${k}`);
    };
    const page = (await this.cdp.send('HeapProfiler.stopSampling')).profile as unknown as { head: Node };
    const worker = (await this.toWorker('HeapProfiler.stopSampling')) as { profile: { head: Node } };
    return { page: total(page.head), worker: total(worker.profile.head), top: { page: sites(page.head), worker: sites(worker.profile.head) } };
  }
}

/** The page's main thread so far, ms: its tasks' wall time (TaskDuration) and the CPU time it got (ThreadTime). */
async function mainThreadMs(cdp: CDPSession): Promise<{ wall: number; cpu: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => 1000 * (metrics.find((m) => m.name === name)?.value ?? NaN);
  return { wall: metric('TaskDuration'), cpu: metric('ThreadTime') };
}

/** A detector to measure: a model, and whether its pre-processing runs in the graph (the default) or in JavaScript. */
interface Setup {
  label: string;
  model: string;
  inGraph: boolean;
}

interface Row {
  model: string;
  /** The setup's label. */
  label: string;
  threads: number;
  resultsPerSecond: number;
  boundRate: number;
  run: { median: number; p95: number };
  liveTotal: { median: number; p95: number };
  detect: { median: number; p95: number };
  detectRun: number;
  latency: { median: number; p95: number };
  /** The page's main thread per presented frame, ms: wall time of its tasks and CPU time. */
  mainThreadPerFrame: { wall: number; cpu: number };
  /** The same with the camera playing and no detector. */
  mainThreadBaseline: { wall: number; cpu: number };
  dropped: number;
  detected: number;
  presented: number;
  heapPerFrame: { page: number; worker: number };
  outputBytes: number;
}

const perFrame = (a: { wall: number; cpu: number }, b: { wall: number; cpu: number }, frames: number) => ({
  wall: (b.wall - a.wall) / Math.max(1, frames),
  cpu: (b.cpu - a.cpu) / Math.max(1, frames),
});
/** Main-thread CPU ms per frame beyond showing the camera. */
const mainThreadExtra = (r: Row) => r.mainThreadPerFrame.cpu - r.mainThreadBaseline.cpu;

async function benchOne(page: Page, { label, model, inGraph }: Setup, threads: number, outputBytes: number): Promise<Row> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const sampler = new AllocationSampler(cdp);
  await sampler.attach();
  const idle0 = await mainThreadMs(cdp);
  const idle = await page.evaluate((ms) => (window as any).bench.idle(ms), IDLE_MS);
  const idle1 = await mainThreadMs(cdp);
  const info = await page.evaluate(([m, n, w, b, g]) => (window as any).bench.start(m, n, w, b, g), [model, threads, WARMUP_MS, BACKEND, inGraph] as const);
  await sampler.start();
  const busy0 = await mainThreadMs(cdp);
  const live = await page.evaluate((ms) => (window as any).bench.measure(ms), MEASURE_MS);
  const busy1 = await mainThreadMs(cdp);
  const heap = await sampler.stop();
  if (process.env.HEAP_SITES) console.error(`heap sites, ${label}, ${threads} thread(s):\n  page: ${heap.top.page.join('\n        ')}\n  worker: ${heap.top.worker.join('\n          ')}`);
  const seq: Timings[] = await page.evaluate((n) => (window as any).bench.sequential(n), SEQUENTIAL_RUNS);
  await page.evaluate(() => (window as any).bench.stop());
  await cdp.detach();

  const inference = live.timings.map((t: Timings) => t.inference);
  const runMedian = median(inference);
  const detectTotals = seq.map((t) => t.total);
  return {
    model,
    label,
    threads: info.numThreads,
    resultsPerSecond: live.detected / (live.elapsed / 1000),
    boundRate: 1000 / runMedian,
    run: { median: runMedian, p95: p95(inference) },
    liveTotal: { median: median(live.timings.map((t: Timings) => t.total)), p95: p95(live.timings.map((t: Timings) => t.total)) },
    detect: { median: median(detectTotals), p95: p95(detectTotals) },
    detectRun: median(detectTotals) / median(seq.map((t) => t.inference)),
    latency: { median: median(live.latency), p95: p95(live.latency) },
    mainThreadPerFrame: perFrame(busy0, busy1, live.presented),
    mainThreadBaseline: perFrame(idle0, idle1, idle.presented),
    dropped: live.dropped,
    detected: live.detected,
    presented: live.presented,
    heapPerFrame: { page: heap.page / Math.max(1, live.presented), worker: heap.worker / Math.max(1, live.detected) },
    outputBytes,
  };
}

/** The bytes onnxruntime-web allocates for a run's outputs at 640x480 (it copies each output into a new typed array). */
async function outputBytesOf(page: Page, model: string): Promise<number> {
  return page.evaluate((file) => (window as any).bench.outputBytes(file), MODEL_CATALOG.find((m) => m.id === model)!.file);
}

/**
 * watch() with its defaults (tracking, smoothing) on the tracking clips, each played by the fake camera of its own
 * browser: id switches, landmark jitter (the still clip, against smoothing off), the box-centre error against the
 * frame on screen with and without prediction; then with inputSize 'auto', the input sizes chosen.
 */
async function benchTracking(): Promise<void> {
  const why = clipsUnavailable();
  if (why) {
    console.log(`\nTracking: not measured (${why})`);
    return;
  }
  const clips = ensureClips();
  console.log(
    `\nTracking — watch() with its defaults (tracking, smoothing) at ${FIXED_SIZE.width}x${FIXED_SIZE.height}, then with inputSize 'auto' for the sizes, ` +
      `${TRACKING_MS / 1000} s each, 1 WASM thread (the tests' clips, 640x480 @ 30 fps):\n`,
  );
  console.log('id switches: faces that had more than one id while fully in view, per pass of the clip (of so many faces × passes;');
  console.log('on reentry the face that leaves and comes back gets a new id by design, once per pass). error: box centre against');
  console.log("the ground truth of the frame on screen, of the latest result as it is → predicted to that frame's time.\n");
  console.log('clip      id switches (faces)   jitter raw → smoothed (offset)   error vs shown frame → predicted   input sizes chosen (long side: first, median, last)');
  for (const name of ['pan', 'still', 'reentry'] as ClipName[]) {
    const browser = await chromium.launch(
      launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clips[name].video}`]),
    );
    const page = await browser.newPage({ baseURL: base });
    // tsx keeps function names with a helper the page does not have.
    await page.addInitScript('window.__name = (f) => f;');
    await openHarness(page);
    const truth = clips[name].truth;
    // Ids, jitter and error at one input size (a size change moves the landmarks a little: not jitter).
    const rec = await record(page, { inputSize: FIXED_SIZE }, TRACKING_MS);
    let jitter = '';
    if (name === 'still') {
      const raw = await record(page, { inputSize: FIXED_SIZE, smoothing: false }, TRACKING_MS);
      const j = landmarkJitter(rec, raw, truth);
      jitter = `${j.raw.toFixed(2)} → ${j.smooth.toFixed(2)} px (${j.offset.toFixed(2)})`;
    }
    const auto = await record(page, { inputSize: 'auto' }, TRACKING_MS);
    await browser.close();
    const ids = idSwitches(rec, truth);
    const error = shownFrameError(rec, truth);
    const sides = auto.inputSizes.map((sz) => Math.max(sz.width, sz.height));
    const sizes = sides.length ? `${sides[0]}, ${median(sides)}, ${sides.at(-1)}` : '';
    console.log(
      [
        name.padEnd(8),
        `${ids.switched} (${ids.faces})`.padEnd(21),
        (jitter || '—').padEnd(32),
        (error.count ? `${error.unpredicted.toFixed(1)} → ${error.predicted.toFixed(1)} px` : '—').padEnd(34),
        sizes,
      ].join('  '),
    );
  }
}

const clip = makeClip();
const newDefault = 'retinaface-mnet025';
const oldDefault = MODEL_CATALOG.some((m) => m.id === 'retinaface-mnet025-exact') ? 'retinaface-mnet025-exact' : newDefault;
const setups: Setup[] = [
  ...[...new Set([oldDefault, newDefault])].map((model) => ({ label: model, model, inGraph: true })),
  { label: `${newDefault}, JS packing`, model: newDefault, inGraph: false },
];
const server = spawn('npx', ['vite', '--port', String(PORT), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
try {
  for (let i = 0; !(await fetch(base).then((r) => r.ok, () => false)); i++) {
    if (i > 120) throw new Error('vite did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const gpuArgs = BACKEND === 'webgpu' ? ['--enable-unsafe-webgpu', ...(process.env.CHROMIUM_GPU_ARGS ?? '').split(' ').filter(Boolean)] : [];
  const browser = await chromium.launch(
    launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`, ...gpuArgs]),
  );
  const rows: Row[] = [];
  // A fresh page per run (onnxruntime fixes its thread count when it starts); models alternate within a thread count.
  for (const threads of process.env.LIVE === '0' ? [] : THREADS) {
    for (const setup of [...setups, ...setups]) {
      const page = await browser.newPage();
      await page.goto(`${base}/bench/live-bench.html`);
      await page.waitForFunction(() => (window as any).benchReady);
      const outputBytes = await outputBytesOf(page, setup.model);
      rows.push(await benchOne(page, setup, threads, outputBytes));
      await page.close();
      console.error(`done: ${setup.label}, ${threads} thread(s)`);
    }
  }
  await browser.close();

  const f1 = (v: number) => v.toFixed(1);
  const mp = (s: { median: number; p95: number }) => `${f1(s.median)} / ${f1(s.p95)}`;
  console.log(`\nbench:live — fake camera 640x480 @ 30 fps (${clip.split('/').pop()}), watch() for ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ${BACKEND}, native input.`);
  console.log(`Each (setup, threads) ran twice, alternating; ms are median / p95. detect(): ${SEQUENTIAL_RUNS} calls in turn on camera frames.`);
  console.log('main: the page\'s main thread per presented frame while watching, ms: wall time of its tasks (TaskDuration), its CPU');
  console.log(`time (ThreadTime), and (+) the CPU beyond the same page showing the camera without a detector (${IDLE_MS / 1000} s before each run).`);
  console.log('heap: bytes the V8 heaps allocate per frame, sampled (ArrayBuffer contents, such as onnxruntime\'s output copies, are outside it).\n');
  console.log('setup                                  thr  results/s  bound/s  ratio   session.run   live total    latency       detect()      detect/run  main wall cpu +extra  dropped/presented  heap B/frame (page, worker)  ort output B/frame');
  for (const r of rows) {
    console.log(
      [
        r.label.padEnd(38),
        String(r.threads).padStart(3),
        f1(r.resultsPerSecond).padStart(10),
        f1(r.boundRate).padStart(8),
        (r.resultsPerSecond / r.boundRate).toFixed(3).padStart(6),
        mp(r.run).padStart(13),
        mp(r.liveTotal).padStart(13),
        mp(r.latency).padStart(13),
        mp(r.detect).padStart(13),
        r.detectRun.toFixed(3).padStart(10),
        `${r.mainThreadPerFrame.wall.toFixed(2)} ${r.mainThreadPerFrame.cpu.toFixed(2)} +${mainThreadExtra(r).toFixed(2)}`.padStart(17),
        `${r.dropped}/${r.presented}`.padStart(18),
        `${Math.round(r.heapPerFrame.page)}, ${Math.round(r.heapPerFrame.worker)}`.padStart(28),
        String(r.outputBytes).padStart(19),
      ].join('  '),
    );
  }
  if (oldDefault !== newDefault) {
    for (const threads of THREADS) {
      const run = (m: string) => median(rows.filter((r) => r.label === m && r.threads === threads).map((r) => r.run.median));
      console.log(`\n${threads} thread(s): session.run ${oldDefault} / ${newDefault} = ${(run(oldDefault) / run(newDefault)).toFixed(3)}`);
    }
  }
  for (const threads of THREADS) {
    const of = (label: string, f: (r: Row) => number) => median(rows.filter((r) => r.label === label && r.threads === threads).map(f));
    const js = setups[setups.length - 1].label;
    console.log(
      `${threads} thread(s), pre-processing in the graph against packing in JavaScript (${newDefault}): detect() ${f1(of(newDefault, (r) => r.detect.median))} vs ` +
        `${f1(of(js, (r) => r.detect.median))} ms (${(of(js, (r) => r.detect.median) / of(newDefault, (r) => r.detect.median)).toFixed(3)}× faster in the graph); ` +
        `session.run ${f1(of(newDefault, (r) => r.run.median))} vs ${f1(of(js, (r) => r.run.median))} ms`,
    );
  }
  const two = rows.filter((r) => r.label === newDefault && r.threads === Math.max(...THREADS));
  if (two.length) {
    const m = (f: (r: Row) => number) => median(two.map(f));
    const speedup = oldDefault === newDefault ? NaN : median(rows.filter((r) => r.label === oldDefault && r.threads === two[0].threads).map((r) => r.run.median)) / m((r) => r.run.median);
    const heap = m((r) => r.heapPerFrame.page + r.heapPerFrame.worker);
    const targets: [string, string, boolean][] = [
      ['results/s ≥ 0.95 × bound', m((r) => r.resultsPerSecond / r.boundRate).toFixed(3), m((r) => r.resultsPerSecond / r.boundRate) >= 0.95],
      ['detect() ≤ 1.03 × session.run', m((r) => r.detectRun).toFixed(3), m((r) => r.detectRun) <= 1.03],
      ['new default ≥ 1.25× faster than old', speedup.toFixed(3), speedup >= 1.25],
      ['main thread ≤ 0.5 ms/frame (CPU, beyond showing the camera)', m(mainThreadExtra).toFixed(2), m(mainThreadExtra) <= 0.5],
      [
        '≤ 64 KB allocated per frame',
        `${Math.round(heap / 1024)} KB in the V8 heaps (page + worker) + ${Math.round(two[0].outputBytes / 1024)} KB of onnxruntime's output copies`,
        heap + two[0].outputBytes <= 65_536,
      ],
    ];
    console.log(`\nTargets (${newDefault}, ${two[0].threads} thread(s), medians of its runs):`);
    for (const [what, value, met] of targets) console.log(`  ${met ? 'met    ' : 'NOT met'}  ${what}: ${value}`);
  }
  if (TRACKING) await benchTracking();
} finally {
  if (server.pid) process.kill(-server.pid);
}
