import { transfer } from 'comlink';
import { DisposedError, countAnchors, createInputPacker, type Size } from '../core/index.ts';
import { FrameCapture, type CapturedFrame } from '../capture/frame-capture.ts';
import type { ImageSource } from '../capture/image-source.ts';
import type { WorkerClient } from '../client/worker-client.ts';
import type {
  Backend,
  BackendChange,
  DetectDefaults,
  DetectOverrides,
  DetectionResult,
  LoadTimings,
  ModelInfo,
  VideoFrameInfo,
  WatchOptions,
} from '../options/face-detector-options.ts';
import { resolveDetectOverrides, resolveWatchOptions, withFamilyDefaults, type DetectSettings, type ResolvedDetectorOptions } from '../options/resolve-options.ts';
import { LiveTracking } from '../video/live-tracking.ts';
import { watchVideo, type VideoWatcher } from '../video/video-loop.ts';
import { closeFrame, frameTransferable, type DroppedFrame, type LiveStream, type LoadedModel, type WorkerResult } from '../worker/protocol.ts';

const now = () => performance.now();

const disposedError = () => new DisposedError('This face detector was disposed; create a new one with createFaceDetector().');

/** How long `dispose()` waits for the worker to release its session before terminating it, ms. */
const RELEASE_WAIT_MS = 1000;

/** Reports an error thrown by a user callback without breaking the caller. */
const reportCallbackError = (error: unknown): void => {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
};

/** The worker's result with what only the page knows: the source's size and the page's share of the timings. */
function pageResult(reply: WorkerResult, sourceSize: Size, page: { capture: number; mainThread: number }, t0: number): DetectionResult {
  const total = now() - t0;
  const { pack, inference, decode } = reply.timings;
  const { capture, mainThread } = page;
  return {
    faces: reply.faces,
    inputSize: reply.inputSize,
    sourceSize,
    backend: reply.backend,
    timings: { capture, pack, inference, decode, transfer: Math.max(0, total - capture - pack - inference - decode), total, mainThread },
  };
}

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
  /** The settings every `detect()` starts from: the options given, with the model family's thresholds. */
  readonly defaults: Readonly<DetectDefaults>;

  private readonly settings: DetectSettings;
  private readonly onBackendChange: ResolvedDetectorOptions['onBackendChange'];
  private readonly frames: FrameCapture;
  private readonly watchers = new Set<VideoWatcher>();
  /** Live streams so far (each watcher is one). */
  private streams = 0;
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
    this.model = {
      source,
      family: d.family,
      inputSize: d.inputSize,
      anchorCount: countAnchors(d.levels, at.width, at.height),
      descriptor: d,
      input: loaded.input,
      inputReason: loaded.inputReason,
    };
    this.settings = withFamilyDefaults(options.detect, d);
    this.defaults = this.settings as Readonly<DetectDefaults>;
    this.onBackendChange = options.onBackendChange;
    this.frames = new FrameCapture(createInputPacker(d, loaded.input), d.inputSize);
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
      if (settings.quality === 'best') return this.detectBest(source, settings, t0);
      captured = this.frames.capture(source, settings);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(captured, settings, t0);
  }

  /** Best-quality mode: the whole image goes to the worker, which runs the passes and merges them. */
  private async detectBest(source: unknown, settings: DetectSettings, t0: number): Promise<DetectionResult> {
    const { bitmap, sourceSize, capture, mainThread } = await this.frames.captureWhole(source);
    if (this.disposed) {
      bitmap.close();
      throw disposedError();
    }
    const { scoreThreshold, iouThreshold, maxFaces, mirror, tta } = settings;
    const reply = await this.client.call((api) => api.detectBest(transfer(bitmap, [bitmap]), { scoreThreshold, iouThreshold, maxFaces, mirror, tta }));
    return pageResult(reply, sourceSize, { capture, mainThread }, t0);
  }

  private run(captured: Promise<CapturedFrame>, settings: DetectSettings, t0: number): Promise<DetectionResult> {
    return this.send(captured, settings, t0, null) as Promise<DetectionResult>;
  }

  /** Sends a captured frame: on its own (`stream` 0) or as the newest of a live stream (null: a newer one replaced it). */
  private async send(captured: Promise<CapturedFrame>, settings: DetectSettings, t0: number, stream: LiveStream | null): Promise<DetectionResult | null> {
    const { frame, geometry, sourceSize, capture, mainThread } = await captured;
    if (this.disposed) {
      closeFrame(frame);
      throw disposedError();
    }
    const s = now();
    const message = transfer(frame, [frameTransferable(frame)]);
    const call = this.client.call<WorkerResult | DroppedFrame>((api) =>
      stream ? api.detectLatest(stream, message, geometry, settings) : api.detect(message, geometry, settings),
    );
    const sending = now() - s;
    const reply = await call;
    if (reply.tensor) this.frames.recycle(reply.tensor);
    if ('dropped' in reply) return null;
    if (reply.backendChange) this.switchBackend(reply.backendChange);
    return pageResult(reply, sourceSize, { capture, mainThread: mainThread + sending }, t0);
  }

  /** One frame of a watched video, taken now; null when a newer frame replaced it in the worker. */
  private async sendLive(stream: LiveStream, video: HTMLVideoElement, settings: DetectSettings, info: VideoFrameInfo): Promise<DetectionResult | null> {
    const t0 = now();
    const result = await this.send(this.frames.capture(video, settings), settings, t0, stream);
    if (result) {
      info.latency = now() - (info.captureTime ?? info.time);
      result.frame = info;
    }
    return result;
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
   * Detects on every new frame of a playing video, pipelined: while the worker runs one frame, the next waits,
   * so the worker is never idle; a newer frame replaces a waiting one (dropped, never queued), so latency stays
   * at about one detection. Each result says which frame it is (`result.frame`); its faces carry stable ids and
   * are smoothed (`tracking`, `smoothing`); `watcher.predict(time)` moves them to the frame being shown;
   * `inputSize: 'auto'` adapts the input size to the machine. Stops on `stop()` or `dispose()`.
   */
  watch(video: HTMLVideoElement, onResult: (result: DetectionResult) => void, options?: WatchOptions): VideoWatcher {
    if (this.disposed) throw disposedError();
    const resolved = resolveWatchOptions(this.settings, options);
    const live = new LiveTracking(resolved, this.model.descriptor);
    const id = ++this.streams;
    let seq = 0;
    const size = { width: 0, height: 0 };
    const send = (info: VideoFrameInfo) => {
      if (this.disposed) return Promise.reject(disposedError());
      size.width = video.videoWidth;
      size.height = video.videoHeight;
      return this.sendLive({ id, seq: seq++ }, video, live.settingsFor(size), info);
    };
    const deliver = (result: DetectionResult) => {
      live.absorb(result);
      onResult(result);
    };
    const watcher = watchVideo(video, send, deliver, { onError: resolved.onError, onStop: () => this.watchers.delete(watcher) }, live);
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
