// Runs inside Chromium for `npm run bench:live` (fake camera): the Node side drives the phases and prints.
import { createFaceDetector, type DetectionResult, type FaceDetector, type VideoWatcher } from '../src/index.ts';

const video = document.getElementById('video') as HTMLVideoElement;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let detector: FaceDetector | null = null;
let watcher: VideoWatcher | null = null;
let rows: DetectionResult[] = [];
let measuring = false;
let presented = 0;

async function openCamera(): Promise<{ width: number; height: number; frameRate: number }> {
  if (!video.srcObject) {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 30 } });
    await video.play();
    const count = () => {
      if (measuring) presented++;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
  }
  const s = (video.srcObject as MediaStream).getVideoTracks()[0].getSettings();
  return { width: s.width ?? 0, height: s.height ?? 0, frameRate: s.frameRate ?? 0 };
}

/** The camera playing with no detector for `ms`: the main thread's cost of showing the video, the baseline. */
async function idle(ms: number) {
  await openCamera();
  presented = 0;
  measuring = true;
  const t0 = performance.now();
  await sleep(ms);
  measuring = false;
  return { elapsed: performance.now() - t0, presented };
}

/** Loads a model and watches the camera for `warmupMs` (results not kept). */
async function start(model: string, numThreads: number, warmupMs: number, backend: 'wasm' | 'webgpu' = 'wasm', inGraphPreprocessing = true) {
  const camera = await openCamera();
  detector = await createFaceDetector({ model, modelBaseUrl: '/models/', backend, numThreads, inGraphPreprocessing });
  watcher = detector.watch(video, (r) => {
    if (measuring) rows.push(r);
  });
  await sleep(warmupMs);
  return { camera, numThreads: detector.numThreads, crossOriginIsolated, reason: detector.backendReason };
}

/** Keeps the watch() results of the next `ms` milliseconds. */
async function measure(ms: number) {
  rows = [];
  presented = 0;
  const before = { ...watcher!.stats };
  measuring = true;
  const t0 = performance.now();
  await sleep(ms);
  measuring = false;
  const elapsed = performance.now() - t0;
  const after = { ...watcher!.stats };
  return {
    elapsed,
    presented,
    detected: after.detected - before.detected,
    dropped: after.dropped - before.dropped,
    faces: rows.map((r) => r.faces.length),
    timings: rows.map((r) => r.timings),
    latency: rows.map((r) => r.frame!.latency!),
  };
}

/** detect() called in turn on the camera's current frame: each call's own cost, without waiting behind another. */
async function sequential(runs: number) {
  watcher!.stop();
  await sleep(500); // let the frames still out come back
  const out = [];
  for (let i = 0; i < runs; i++) out.push((await detector!.detect(video)).timings);
  return out;
}

async function stop() {
  watcher?.stop();
  await detector?.dispose();
  detector = null;
}

/** The bytes onnxruntime-web allocates for one run's outputs at 640x480 (it copies each output into a new typed array). */
async function outputBytes(file: string): Promise<number> {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch(`/public/models/${file}`)).arrayBuffer()));
  const input = session.inputMetadata[0];
  const uint8 = input.isTensor && input.type === 'uint8';
  const tensor = uint8 ? new ort.Tensor('uint8', new Uint8Array(480 * 640 * 4), [1, 480, 640, 4]) : new ort.Tensor('float32', new Float32Array(3 * 640 * 480), [1, 3, 480, 640]);
  const out = await session.run({ [session.inputNames[0]]: tensor });
  const bytes = Object.values(out).reduce((s, t) => s + (t.data as Float32Array).byteLength, 0);
  await session.release();
  return bytes;
}

Object.assign(window, { bench: { idle, start, measure, sequential, stop, outputBytes }, benchReady: true });
