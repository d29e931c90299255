import {
  createFaceDetector,
  type BackendChange,
  type BackendRequest,
  type FaceDetector,
  type InputSizeRequest,
} from '../index.ts';

/** What to load. */
export interface ModelChoice {
  /** A catalog id or a URL. */
  model: string;
  backend: BackendRequest;
  /** An explicit size is also the warm-up size (a slow backend then warms up at the small size). */
  inputSize: InputSizeRequest;
}

/** `downloading` → `warming` (session creation and a first run) → `ready`, or `error`. */
export type LoadState = 'idle' | 'downloading' | 'warming' | 'ready' | 'error';

export interface SessionElements {
  /** Has `data-state` = the LoadState. */
  status: HTMLElement;
  statusText: HTMLElement;
  progress: HTMLProgressElement;
  /** Has `data-backend` = what runs ('webgpu' | 'wasm'), empty while nothing runs. */
  badge: HTMLElement;
  reason: HTMLElement;
  loadTimes: HTMLElement;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * Owns the detector: loads it (disposing the previous one) with a download progress bar and a visible
 * warm-up state, and shows which backend actually runs and why. A newer `load()` wins over an older one still
 * in progress.
 */
export class DetectorSession {
  detector: FaceDetector | null = null;
  state: LoadState = 'idle';
  /** Called when the backend changes at run time (lost WebGPU device). */
  onBackendChange: (change: BackendChange) => void = () => undefined;
  private generation = 0;

  constructor(private readonly el: SessionElements) {}

  /** Loads the model; resolves to the ready detector, or rejects with the load error (shown by the caller). */
  async load(choice: ModelChoice): Promise<FaceDetector | null> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const old = this.detector;
    this.detector = null;
    this.showBackend(null);
    await old?.dispose();
    if (!current()) return null;

    this.setState('downloading', 'Downloading the model…');
    this.el.progress.hidden = false;
    this.el.progress.removeAttribute('value');
    try {
      const detector = await createFaceDetector({
        model: choice.model,
        backend: choice.backend,
        ...(typeof choice.inputSize === 'object' ? { inputSize: choice.inputSize } : {}),
        onProgress: (loaded, total) => {
          if (!current()) return;
          if (total > 0) {
            this.el.progress.max = total;
            this.el.progress.value = loaded;
          }
          if (total > 0 && loaded >= total) {
            this.el.progress.removeAttribute('value'); // indeterminate while warming up
            this.setState('warming', 'Warming up: creating the inference session and running a first detection…');
          } else {
            const share = total > 0 ? ` ${Math.round((100 * loaded) / total)} % (${mb(loaded)} of ${mb(total)} MB)` : ` ${mb(loaded)} MB`;
            this.setState('downloading', `Downloading the model…${share}`);
          }
        },
      });
      if (!current()) {
        await detector.dispose();
        return null;
      }
      this.detector = detector;
      detector.addEventListener('backendchange', (event) => {
        if (this.detector !== detector) return;
        this.showBackend(detector);
        this.onBackendChange((event as CustomEvent<BackendChange>).detail);
      });
      this.el.progress.hidden = true;
      this.setState('ready', 'Ready');
      this.showBackend(detector);
      const { session, warmup } = detector.loadTimings;
      this.el.loadTimes.textContent = `session ${Math.round(session)} ms, warm-up ${Math.round(warmup)} ms`;
      return detector;
    } catch (error) {
      if (!current()) return null;
      this.el.progress.hidden = true;
      this.setState('error', 'No model loaded');
      throw error;
    }
  }

  private setState(state: LoadState, text: string): void {
    this.state = state;
    this.el.status.dataset.state = state;
    this.el.statusText.textContent = text;
  }

  private showBackend(detector: FaceDetector | null): void {
    const { badge, reason } = this.el;
    if (!detector) {
      badge.dataset.backend = '';
      badge.textContent = '—';
      reason.textContent = '';
      return;
    }
    badge.dataset.backend = detector.backend;
    badge.textContent = detector.backend === 'webgpu' ? 'WebGPU' : 'WASM';
    const threads = detector.backend === 'wasm' ? ` · ${detector.numThreads} thread${detector.numThreads === 1 ? '' : 's'}` : '';
    reason.textContent = `${detector.backendReason}${threads}`;
  }
}
