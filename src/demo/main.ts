// The demo page: webcam, image and video input over the library's public API only.
import './demo.css';
import { DEFAULT_MODEL_ID, MODEL_CATALOG, type DetectionResult, type VideoWatcher } from '../index.ts';
import { FaceCountAnnouncer } from './announcer.ts';
import { exposeForAutomation, type DemoResult, type SourceKind } from './automation.ts';
import { CameraError, listCameras, openCamera, stopStream, toCameraError, trackSize } from './camera.ts';
import { Controls } from './controls.ts';
import { DetectorSession } from './detector-session.ts';
import { byId } from './dom.ts';
import { acceptDrops, decodeImage, mediaKind } from './media-files.ts';
import { isModelInstalled } from './model-availability.ts';
import { MODELS_HELP_LINK, wireModelsHelp } from './models-help.ts';
import { Notices } from './notices.ts';
import { Overlay } from './overlay.ts';
import { downloadJson, ResultLog } from './results-file.ts';
import { StatsPanel } from './stats.ts';

type Source =
  | { kind: 'camera'; stream: MediaStream }
  | { kind: 'video'; name: string; url: string }
  | { kind: 'image'; name: string };

const stage = byId('stage', HTMLElement);
const video = byId('video', HTMLVideoElement);
const still = byId('still', HTMLCanvasElement);
const placeholder = byId('placeholder', HTMLElement);
const cameraButton = byId('camera-toggle', HTMLButtonElement);
const fileInput = byId('file', HTMLInputElement);
const downloadButton = byId('download', HTMLButtonElement);
const faceTotal = byId('face-total', HTMLElement);
const inputNow = byId('input-now', HTMLElement);
const cameraActual = byId('camera-actual', HTMLElement);

const notices = new Notices(byId('notices', HTMLElement), cameraButton);
const overlay = new Overlay(byId('overlay', HTMLCanvasElement));
const stats = new StatsPanel(byId('fps', HTMLElement), byId('stage-times', HTMLElement), byId('total-time', HTMLElement), byId('stats-chart', HTMLCanvasElement));
const announcer = new FaceCountAnnouncer(byId('face-count', HTMLElement));
const log = new ResultLog();
const session = new DetectorSession({
  status: byId('status', HTMLElement),
  statusText: byId('status-text', HTMLElement),
  progress: byId('model-progress', HTMLProgressElement),
  badge: byId('backend-badge', HTMLElement),
  reason: byId('backend-reason', HTMLElement),
  loadTimes: byId('load-times', HTMLElement),
});
const controls = new Controls(new URLSearchParams(location.search), {
  onModelChange: () => void loadModel(),
  onDetectionChange: () => restartDetection(),
  onInputSizeChange: () => {
    stats.reset(); // medians of the old size would mix with the new
    restartDetection();
  },
  onCameraChange: () => {
    if (source?.kind === 'camera') void startCamera();
  },
  onMirrorChange: () => {
    showMirror();
    if (source?.kind === 'camera') restartDetection();
  },
  onVideoChange: () => {
    if (source && source.kind !== 'image') restartDetection();
  },
});

let source: Source | null = null;
let watcher: VideoWatcher | null = null;
/** Bumped whenever detection restarts, so that a late result of an earlier run is dropped. */
let run = 0;
let seq = 0;
let latest: DemoResult | null = null;
/** How long the last overlay draw took, ms. */
let lastDraw = 0;
/** Whether each catalog model's file is served (checked once at start). */
const installed = new Map(MODEL_CATALOG.map((m) => [m.id, isModelInstalled(new URL(`models/${m.file}`, document.baseURI))]));

// ---- detection -------------------------------------------------------------------------------------------

function stopDetection(): void {
  watcher?.stop();
  watcher = null;
  run++;
}

/** (Re)starts detection on the current source with the current settings. */
function restartDetection(): void {
  stopDetection();
  const token = run;
  const detector = session.detector;
  if (!detector || !source) return;
  const current = source;
  const mirrored = current.kind === 'camera' && controls.mirror.checked;
  const overrides = { ...controls.detection(), mirror: mirrored };
  const name = current.kind === 'camera' ? undefined : current.name;
  inputNow.textContent = '–';
  if (current.kind === 'image') {
    // The image exactly as shown on the page (upright, EXIF orientation applied), so results and picture agree.
    detector.detect(still, overrides).then(
      (result) => token === run && show(result, 'image', mirrored, name),
      (error) => token === run && detectionFailed(error),
    );
  } else {
    const { tracking, smoothing, prediction } = controls.video();
    watcher = detector.watch(video, (result) => show(result, current.kind, mirrored, name, !prediction), {
      ...overrides,
      ...(controls.adaptiveSize ? { inputSize: 'auto' as const } : {}),
      tracking,
      smoothing,
      onError: detectionFailed,
    });
    if (prediction) drawPredicted(watcher, token);
  }
}

/**
 * Draws the faces where they are predicted to be in each frame shown, between results (results are about a
 * detection behind the picture).
 */
function drawPredicted(w: VideoWatcher, token: number): void {
  const onFrame = (_now: number, metadata: { expectedDisplayTime: number }) => {
    if (token !== run || !w.running) return;
    if (latest) lastDraw = overlay.draw(w.predict(metadata.expectedDisplayTime), latest.sourceSize);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

function show(result: DetectionResult, kind: SourceKind, mirrored: boolean, name: string | undefined, draw = true): void {
  if (draw) lastDraw = overlay.draw(result.faces, result.sourceSize);
  const timings = { ...result.timings, draw: lastDraw };
  inputNow.textContent = `${result.inputSize.width} × ${result.inputSize.height}${kind !== 'image' && controls.adaptiveSize ? ' (auto)' : ''}`;
  stats.add(timings, kind !== 'image');
  latest = {
    seq: ++seq,
    source: kind,
    ...(name !== undefined ? { name } : {}),
    faces: result.faces,
    mirrored,
    sourceSize: result.sourceSize,
    inputSize: result.inputSize,
    backend: result.backend,
    timings,
    ...(kind === 'video' ? { videoTime: video.currentTime } : {}),
  };
  log.add(latest);
  faceTotal.textContent = String(result.faces.length);
  announcer.update(result.faces.length);
  downloadButton.disabled = false;
  notices.clear('detect-error');
}

function detectionFailed(error: unknown): void {
  notices.show('detect-error', 'Detection failed.', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Forgets the shown results: overlay, face count, stats, the results file. */
function clearResults(): void {
  overlay.clear();
  stats.reset();
  announcer.reset();
  log.clear();
  latest = null;
  faceTotal.textContent = '–';
  downloadButton.disabled = true;
}

// ---- model -----------------------------------------------------------------------------------------------

async function loadModel(): Promise<void> {
  stopDetection();
  clearResults(); // results, times and FPS of the previous model are not this one's
  notices.clear('model-load', 'webgpu-lost', 'detect-error');
  const choice = controls.modelChoice();
  try {
    const detector = await session.load(choice);
    if (detector) {
      controls.setDefaultThresholds(detector.defaults.scoreThreshold, detector.defaults.iouThreshold);
      restartDetection();
    }
  } catch (error) {
    const catalogModel = MODEL_CATALOG.find((m) => m.id === choice.model);
    const missing = catalogModel && !(await installed.get(catalogModel.id));
    if (session.state !== 'error') return; // another load started meanwhile: this failure is old news
    if (catalogModel && missing) {
      // Not a bad URL the user typed: the project's own model file is not there (a clone without the setup).
      const name = controls.modelName(catalogModel.id);
      notices.show(
        'model-load',
        catalogModel.id === DEFAULT_MODEL_ID ? `The default model (${name}) is not installed.` : `The ${name} model is not installed.`,
        `Its file public/models/${catalogModel.file} is missing. Install it: \`npm install\` runs the model setup ` +
          '(scripts/setup-models.mjs), then reload this page.',
        { link: MODELS_HELP_LINK, returnFocus: controls.model },
      );
      return;
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    notices.show('model-load', 'The model failed to load.', reason, { link: MODELS_HELP_LINK, returnFocus: controls.model });
  }
}

session.onBackendChange = (change) => {
  notices.show('webgpu-lost', `The ${change.from === 'webgpu' ? 'WebGPU' : change.from} backend was lost; detection switched to ${change.backend.toUpperCase()}.`, change.reason, {
    level: 'warning',
    returnFocus: controls.backend,
  });
};

// ---- sources ---------------------------------------------------------------------------------------------

/** Replaces the current source (releasing the old one) and resets the overlay, stats and results. */
function setSource(next: Source | null): void {
  stopDetection();
  const old = source;
  source = next;
  if (old?.kind === 'camera') stopStream(old.stream);
  if (old?.kind === 'video') URL.revokeObjectURL(old.url);
  if (old && old.kind !== 'image') {
    video.pause();
    video.srcObject = null;
    video.removeAttribute('src');
    video.load();
  }
  clearResults();
  if (next?.kind !== 'camera') showCameraSize(null);
  stage.dataset.source = next?.kind ?? 'none';
  video.hidden = !next || next.kind === 'image';
  still.hidden = next?.kind !== 'image';
  placeholder.hidden = next !== null;
  showMirror();
  cameraButton.textContent = next?.kind === 'camera' ? 'Stop camera' : 'Start camera';
}

function showMirror(): void {
  stage.classList.toggle('mirrored', source?.kind === 'camera' && controls.mirror.checked);
  overlay.clear();
}

/** The size the camera actually gives, next to the one asked for (cameras pick their nearest mode). */
function showCameraSize(stream: MediaStream | null): void {
  const size = stream && trackSize(stream);
  cameraActual.hidden = !size;
  if (!size) {
    cameraActual.textContent = '';
    return;
  }
  const asked = controls.cameraRequest();
  const fps = size.frameRate ? `, ${Math.round(size.frameRate)} fps` : '';
  const same = asked.width === size.width && asked.height === size.height;
  cameraActual.textContent = `The camera gives ${size.width} × ${size.height}${fps}${same ? '' : ` (asked for ${asked.width} × ${asked.height})`}.`;
}

/** True while the camera is being opened: the button stays focusable (a disabled button drops focus) but inert. */
let cameraStarting = false;

async function startCamera(): Promise<void> {
  if (cameraStarting) return;
  cameraStarting = true;
  cameraButton.setAttribute('aria-disabled', 'true');
  notices.clear('camera-denied', 'no-camera', 'camera-busy', 'camera-error');
  // Release a running camera first: many cannot be opened twice (another device or size is being chosen).
  if (source?.kind === 'camera') setSource(null);
  try {
    const stream = await openCamera(controls.cameraRequest());
    setSource({ kind: 'camera', stream });
    showCameraSize(stream);
    video.srcObject = stream;
    video.muted = true;
    stream.getVideoTracks()[0]?.addEventListener('ended', () => {
      if (source?.kind !== 'camera' || source.stream !== stream) return;
      setSource(null);
      notices.show('camera-error', 'The camera stopped.', 'It may have been unplugged, or taken by another application.', { returnFocus: cameraButton });
    });
    await video.play().catch(() => undefined); // muted video may autoplay; a rejection here only means "interrupted"
    await refreshCameras(stream);
    restartDetection();
  } catch (error) {
    const e = error instanceof CameraError ? error : toCameraError(error);
    notices.show(e.kind, e.title, e.message, { returnFocus: cameraButton });
  } finally {
    cameraStarting = false;
    cameraButton.removeAttribute('aria-disabled');
  }
}

/** Fills the camera picker (labels appear once a camera was allowed) and selects the one in use. */
async function refreshCameras(active?: MediaStream): Promise<void> {
  const cameras = await listCameras();
  const select = controls.camera;
  const chosen = active?.getVideoTracks()[0]?.getSettings().deviceId ?? select.value;
  select.replaceChildren(new Option(cameras.length ? 'Default camera' : 'No camera found', ''));
  cameras.forEach((c, i) => {
    if (c.deviceId) select.add(new Option(c.label || `Camera ${i + 1}`, c.deviceId));
  });
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

async function openFile(file: File): Promise<void> {
  notices.clear('file-error');
  const kind = mediaKind(file);
  if (!kind) {
    notices.show('file-error', `${file.name} is not an image or a video.`, 'Choose a JPEG or PNG image, or a video file (MP4, WebM).', { returnFocus: fileInput });
    return;
  }
  if (kind === 'image') {
    let bitmap: ImageBitmap;
    try {
      bitmap = await decodeImage(file);
    } catch (error) {
      notices.show('file-error', `${file.name} could not be decoded as an image.`, String((error as Error)?.message ?? error), { returnFocus: fileInput });
      return;
    }
    setSource({ kind: 'image', name: file.name });
    still.width = bitmap.width;
    still.height = bitmap.height;
    still.getContext('2d')!.drawImage(bitmap, 0, 0);
    bitmap.close();
  } else {
    const url = URL.createObjectURL(file);
    setSource({ kind: 'video', name: file.name, url });
    video.muted = true;
    video.loop = true;
    video.src = url;
    await video.play().catch(() => undefined); // a file that cannot play reports through the 'error' event
  }
  restartDetection();
}

video.addEventListener('error', () => {
  if (source?.kind !== 'video') return;
  const name = source.name;
  setSource(null);
  notices.show('file-error', `${name} could not be played.`, video.error?.message || 'The browser cannot decode this video format.', { returnFocus: fileInput });
});

// ---- wiring ----------------------------------------------------------------------------------------------

cameraButton.addEventListener('click', () => {
  if (cameraStarting) return;
  if (source?.kind === 'camera') setSource(null);
  else void startCamera();
});
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  fileInput.value = ''; // choosing the same file again still opens it
  if (file) void openFile(file);
});
acceptDrops(stage, (file) => void openFile(file));
downloadButton.addEventListener('click', () => {
  const detector = session.detector;
  const document = log.document({ model: detector?.model.source ?? null, backend: detector?.backend ?? null, settings: controls.snapshot() });
  const base = latest?.name?.replace(/\.[^.]*$/, '') ?? latest?.source ?? 'results';
  downloadJson(document, `${base}.faces.json`);
});
navigator.mediaDevices?.addEventListener?.('devicechange', () => void refreshCameras(source?.kind === 'camera' ? source.stream : undefined));

exposeForAutomation({
  get status() {
    return session.state;
  },
  get backend() {
    return session.detector?.backend ?? null;
  },
  get backendReason() {
    return session.detector?.backendReason ?? null;
  },
  get model() {
    return session.detector?.model.source ?? null;
  },
  get source() {
    return source?.kind ?? null;
  },
  get latest() {
    return latest;
  },
  get notices() {
    return notices.list();
  },
  simulateDeviceLoss: () => session.detector?.simulateDeviceLoss() ?? Promise.resolve(false),
});

wireModelsHelp(byId('models-help', HTMLDetailsElement));
setSource(null);
void refreshCameras();
for (const [id, check] of installed) void check.then((ok) => controls.setInstalled(id, ok));
void loadModel();
