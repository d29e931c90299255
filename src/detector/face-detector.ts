import { transfer } from 'comlink';
import { DisposedError, ImagePacker, countAnchors, type Size } from '../core/index.ts';
import { FrameCapture, type CapturedFrame } from '../capture/frame-capture.ts';
import type { ImageSource } from '../capture/image-source.ts';
import type { WorkerClient } from '../client/worker-client.ts';
import type {
  Backend,
  BackendChange,
  DetectOverrides,
  DetectionResult,
  LoadTimings,
  ModelInfo,
  WatchOptions,
} from '../options/face-detector-options.ts';
import { resolveDetectOverrides, resolveWatchOptions, withFamilyDefaults, type DetectSettings, type ResolvedDetectorOptions } from '../options/resolve-options.ts';
import { watchVideo, type VideoWatcher } from '../video/video-loop.ts';
import type { LoadedModel } from '../worker/protocol.ts';

const now = () => performance.now();

const disposedError = () => new DisposedError('This face detector was disposed; create a new one with createFaceDetector().');

/** How long `dispose()` waits for the worker to release its session before terminating it, ms. */
const RELEASE_WAIT_MS = 1000;

/** Reports an error thrown by a user callback without breaking the caller. */
const reportCallbackError = (error: unknown): void => {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
};

/** A face detector running in a module worker. Create it with `createFaceDetector()`. */
export class FaceDetector extends EventTarget {
  /** The backend that runs now (it changes to `'wasm'` if the WebGPU device is lost). */
  backend: Backend;
  /** Why that backend runs. */
  backendReason: string;
  readonly model: ModelInfo;
  /** WASM threads in use. */
  readonly numThreads: number;
  /** Session creation and warm-up time at load, ms. */
  readonly loadTimings: LoadTimings;

  private readonly settings: DetectSettings;
  private readonly onBackendChange: ResolvedDetectorOptions['onBackendChange'];
  private readonly frames: FrameCapture;
  private readonly watchers = new Set<VideoWatcher>();
  private disposed = false;

  /** @internal Use `createFaceDetector()`. */
  constructor(
    private readonly client: WorkerClient,
    loaded: LoadedModel,
    source: string,
    options: ResolvedDetectorOptions,
    warmup: Size,
  ) {
    super();
    this.backend = loaded.backend;
    this.backendReason = loaded.reason;
    this.numThreads = loaded.numThreads;
    this.loadTimings = { session: loaded.loadMs, warmup: loaded.warmupMs };
    const d = loaded.descriptor;
    const at = d.inputSize ?? warmup;
    this.model = { source, family: d.family, inputSize: d.inputSize, anchorCount: countAnchors(d.levels, at.width, at.height), descriptor: d };
    this.settings = withFamilyDefaults(options.detect, d);
    this.onBackendChange = options.onBackendChange;
    this.frames = new FrameCapture(new ImagePacker(d), d.inputSize);
  }

  /**
   * Detects faces in an image, video frame, canvas, bitmap, ImageData or image file (Blob). The pixels are
   * taken when you call it; the worker runs calls one at a time, in the order their frames are ready.
   * Rejects with `InvalidInputError` (a source or option it cannot use), `BackendError` or `DisposedError`.
   */
  detect(source: ImageSource, overrides?: DetectOverrides): Promise<DetectionResult> {
    if (this.disposed) return Promise.reject(disposedError());
    const t0 = now();
    let settings: DetectSettings;
    let captured: Promise<CapturedFrame>;
    try {
      settings = resolveDetectOverrides(this.settings, overrides);
      captured = this.frames.capture(source, settings);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(captured, settings, t0);
  }

  private async run(captured: Promise<CapturedFrame>, settings: DetectSettings, t0: number): Promise<DetectionResult> {
    const { frame, geometry, sourceSize, capture, mainThread } = await captured;
    if (this.disposed) {
      if (frame.kind === 'bitmap') frame.bitmap.close();
      throw disposedError();
    }
    const s = now();
    const transferable = frame.kind === 'bitmap' ? frame.bitmap : frame.tensor.buffer;
    const call = this.client.call((api) => api.detect(transfer(frame, [transferable]), geometry, settings));
    const sending = now() - s;
    const result = await call;
    if (result.tensor) this.frames.recycle(result.tensor);
    if (result.backendChange) this.switchBackend(result.backendChange);
    const total = now() - t0;
    const { pack, inference, decode } = result.timings;
    return {
      faces: result.faces,
      inputSize: result.inputSize,
      sourceSize,
      backend: result.backend,
      timings: { capture, pack, inference, decode, transfer: Math.max(0, total - capture - pack - inference - decode), total, mainThread: mainThread + sending },
    };
  }

  private switchBackend(change: BackendChange): void {
    this.backend = change.backend;
    this.backendReason = change.reason;
    // The event first: a throwing callback must not lose it (listeners' own errors are reported by the platform).
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: change }));
    try {
      this.onBackendChange?.(change);
    } catch (error) {
      reportCallbackError(error);
    }
  }

  /**
   * Detects on every new frame of a playing video, at most one frame in flight: frames that arrive while a
   * detection runs are dropped, never queued. Stops on `stop()` or `dispose()`.
   */
  watch(video: HTMLVideoElement, onResult: (result: DetectionResult) => void, options?: WatchOptions): VideoWatcher {
    if (this.disposed) throw disposedError();
    const { settings, onError } = resolveWatchOptions(this.settings, options);
    // Through `detect()`, with the settings resolved once (taken back as they are).
    const watcher = watchVideo(video, () => this.detect(video, settings), onResult, {
      onError,
      onStop: () => this.watchers.delete(watcher),
    });
    this.watchers.add(watcher);
    return watcher;
  }

  /**
   * Destroys the WebGPU device as a driver reset would, to exercise the fallback to WASM (the next `detect()`
   * reports the switch). Returns false when no WebGPU device is in use.
   */
  simulateDeviceLoss(): Promise<boolean> {
    if (this.disposed) return Promise.reject(disposedError());
    return this.client.call((api) => api.loseDevice());
  }

  /** Stops every watcher, releases the session and terminates the worker. Later calls reject with `DisposedError`. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of [...this.watchers]) w.stop();
    const released = this.client.call((api) => api.dispose()).catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([released, new Promise((r) => (timer = setTimeout(r, RELEASE_WAIT_MS)))]);
    clearTimeout(timer);
    this.client.terminate(disposedError());
  }
}
