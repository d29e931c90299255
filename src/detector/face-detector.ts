import { transfer } from 'comlink';
import {
  DisposedError,
  ImagePacker,
  InvalidInputError,
  ModelLoadError,
  checkDecodeOptions,
  countAnchors,
  isUnscaled,
  planGeometry,
  tensorLength,
  type DescriptorOverrides,
  type Face,
  type InputGeometry,
  type InputSizeRequest,
  type ModelDescriptor,
  type ModelFamily,
  type Size,
} from '../core/index.ts';
import { DEFAULT_MODEL_ID } from '../models/catalog.ts';
import { bundledDefaultModelUrl } from '../loading/bundled-model.ts';
import { FrameReader } from '../pixels/frame-reader.ts';
import { decodeBlob, drawableSize, isBlob, isImageData, type ImageSource } from '../capture/image-source.ts';
import { evictCachedModel, loadModelBytes, type ModelSource } from '../loading/model-loader.ts';
import { watchVideo, type VideoWatcher, type WatchOptions } from '../video/video-loop.ts';
import { WorkerClient } from '../client/worker-client.ts';
import type { Backend, BackendChange, BackendRequest, LoadedModel, WorkerResult } from '../worker/protocol.ts';

/** Per-call settings; each defaults to the detector's option of the same name. */
export interface DetectOverrides {
  /** Minimum face score. Defaults to 0.5 (yunet: 0.9, OpenCV `FaceDetectorYN`'s default). */
  scoreThreshold?: number;
  /** NMS IoU threshold (RetinaFace: +1 convention; yunet: OpenCV's). Defaults to 0.4 (yunet: 0.3, OpenCV's). */
  iouThreshold?: number;
  /** Keep at most this many faces, best first. Defaults to no limit. */
  maxFaces?: number;
  /**
   * Input tensor size. `'native'` runs a dynamic-size model at the image's own size padded to a multiple of 32
   * (scaled down to fit `maxInputSize`); a `{width, height}` letterboxes into that size (smaller = faster).
   * Fixed-size models always use their size. Defaults to `'native'`.
   */
  inputSize?: InputSizeRequest;
  /** Largest input for `'native'`. Defaults to 1920x1920. */
  maxInputSize?: Size;
  /** Mirror results horizontally (for a selfie view): x → width − x, left/right landmarks swapped. Defaults to false. */
  mirror?: boolean;
}

export interface FaceDetectorOptions extends DetectOverrides {
  /**
   * The model: the id of a known model (`'retinaface-mnet025'`, `'retinaface-mnet025-biubug6'`, `'retinaface-r50'`,
   * `'yunet'`), a URL, or the ONNX bytes (RetinaFace or YuNet). Defaults to `'retinaface-mnet025'`.
   */
  model?: ModelSource;
  /** Where known model ids are fetched from. Defaults to `models/` next to the page (Vite: `public/models/`). */
  modelBaseUrl?: string | URL;
  /** `'auto'`: WebGPU on a hardware adapter, else WASM; or force `'webgpu'` / `'wasm'`. Defaults to `'auto'`. */
  backend?: BackendRequest;
  /** WASM threads. Defaults to min(hardwareConcurrency, 4) when cross-origin isolated, else 1 (ORT's limit). */
  numThreads?: number;
  /** Where onnxruntime-web's `.wasm`/`.mjs` files are served, if not next to its bundle. Defaults to the bundle's own folder. */
  wasmPaths?: string;
  /** Keep the model in Cache Storage so later page loads do not download it. Defaults to true. */
  cache?: boolean;
  /** Expected sha256 of the model (64 hex digits or `sha256-<base64>`). Defaults to no check. */
  integrity?: string;
  /** Download progress in bytes; `total` is 0 when unknown. */
  onProgress?: (loaded: number, total: number) => void;
  /** Called when the backend changes at run time (a lost WebGPU device moves detection to WASM). */
  onBackendChange?: (change: BackendChange) => void;
  /** Overrides of what is detected about the model (family, channel order, mean/std, landmark std, names). */
  descriptor?: DescriptorOverrides;
  /**
   * How frames reach the worker. `'bitmap'`: the page makes an ImageBitmap at the input size and transfers it;
   * the worker reads and packs it (least main-thread work). `'tensor'`: the page reads the pixels and packs the
   * float tensor itself, then transfers it. Defaults to `'bitmap'` (see `npm run bench:browser`).
   */
  framePath?: 'bitmap' | 'tensor';
}

export interface DetectionTimings {
  /** Getting the frame ready to send: bitmap creation, or canvas read + packing. ms. */
  capture: number;
  /** Packing in the worker (bitmap path). ms. */
  pack: number;
  /** `session.run`. ms. */
  inference: number;
  /** Decode + NMS. ms. */
  decode: number;
  /** Messaging overhead: total − capture − pack − inference − decode. ms. */
  transfer: number;
  /** `detect()` from call to result. ms. */
  total: number;
  /** Synchronous time this call spent on the calling thread. ms. */
  mainThread: number;
}

export interface DetectionResult {
  /** Faces in source pixels, best first. */
  faces: Face[];
  /** The tensor size the model ran at. */
  inputSize: Size;
  /** The source's size (what the coordinates refer to). */
  sourceSize: Size;
  backend: Backend;
  timings: DetectionTimings;
}

export interface ModelInfo {
  /** URL of the model, or "(bytes)". */
  source: string;
  family: ModelFamily;
  /** Fixed input size, or null for a dynamic-size model. */
  inputSize: Size | null;
  /** Anchors at the fixed size, or at the warm-up size (640x480 unless `inputSize` says) for dynamic models. */
  anchorCount: number;
  descriptor: ModelDescriptor;
}

const now = () => performance.now();
const DEFAULT_WARMUP: Size = { width: 640, height: 480 };

const disposedError = () => new DisposedError('This face detector was disposed; create a new one with createFaceDetector().');

/** A RetinaFace detector running in a module worker. Create it with `createFaceDetector()`. */
export class FaceDetector extends EventTarget {
  /** The backend that runs now (it changes to `'wasm'` if the WebGPU device is lost). */
  backend: Backend;
  /** Why that backend runs. */
  backendReason: string;
  readonly model: ModelInfo;
  /** WASM threads in use. */
  readonly numThreads: number;
  /** Session creation and warm-up time at load, ms. */
  readonly loadTimings: { session: number; warmup: number };

  private readonly defaults: Required<Pick<FaceDetectorOptions, 'inputSize' | 'mirror' | 'framePath'>> & FaceDetectorOptions;
  private readonly packer: ImagePacker;
  private readonly reader = new FrameReader();
  private spare: Float32Array | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watchers = new Set<VideoWatcher>();
  private disposed = false;

  /** @internal Use `createFaceDetector()`. */
  constructor(
    private readonly client: WorkerClient,
    loaded: LoadedModel,
    source: string,
    options: FaceDetectorOptions,
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
    this.defaults = { ...options, inputSize: options.inputSize ?? 'native', mirror: options.mirror ?? false, framePath: options.framePath ?? 'bitmap' };
    this.packer = new ImagePacker(d);
  }

  /** Detects faces in an image, video frame, canvas, bitmap, ImageData or image file (Blob). Calls run in order. */
  detect(source: ImageSource, overrides: DetectOverrides = {}): Promise<DetectionResult> {
    if (this.disposed) return Promise.reject(disposedError());
    const settings = { ...this.defaults, ...overrides };
    let decodeOptions;
    try {
      decodeOptions = checkDecodeOptions(settings, this.model.descriptor);
    } catch (error) {
      return Promise.reject(error);
    }
    const next = this.queue.then(() => this.run(source, settings, decodeOptions));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(source: ImageSource, settings: FaceDetectorOptions & DetectOverrides, decodeOptions: ReturnType<typeof checkDecodeOptions>): Promise<DetectionResult> {
    if (this.disposed) throw disposedError();
    const t0 = now();
    let mainThread = 0;
    let decoded: ImageBitmap | null = null;
    try {
      if (isBlob(source)) decoded = await decodeBlob(source);
      let s = now();
      const drawable = decoded ?? (source as Exclude<ImageSource, Blob>);
      const sourceSize = drawableSize(drawable);
      const geometry = planGeometry(sourceSize, this.model.inputSize, settings);
      mainThread += now() - s;

      let result: WorkerResult;
      let capture: number;
      if (settings.framePath === 'tensor') {
        s = now();
        const tensor = this.packFrame(drawable, geometry);
        capture = now() - s;
        mainThread += capture;
        result = await this.client.call((api) => api.detectTensor(transfer(tensor, [tensor.buffer]), geometry, decodeOptions));
        this.spare = result.tensor ?? null;
      } else {
        s = now();
        const pending = this.toBitmap(drawable, geometry);
        mainThread += now() - s;
        const bitmap = await pending;
        capture = now() - s;
        s = now();
        const call = this.client.call((api) => api.detectBitmap(transfer(bitmap, [bitmap]), geometry, decodeOptions));
        mainThread += now() - s;
        result = await call;
      }
      if (result.backendChange) this.switchBackend(result.backendChange);
      const total = now() - t0;
      const { pack, inference, decode } = result.timings;
      return {
        faces: result.faces,
        inputSize: { width: geometry.inputWidth, height: geometry.inputHeight },
        sourceSize,
        backend: result.backend,
        timings: { capture, pack, inference, decode, transfer: Math.max(0, total - capture - pack - inference - decode), total, mainThread },
      };
    } finally {
      decoded?.close();
    }
  }

  /** Tensor path: read the pixels at the content size and pack them into a reused buffer. */
  private packFrame(drawable: Exclude<ImageSource, Blob>, geometry: InputGeometry): Float32Array {
    const pixels =
      isImageData(drawable) && isUnscaled(geometry)
        ? drawable
        : this.reader.read(drawable as CanvasImageSource, geometry.contentWidth, geometry.contentHeight);
    const length = tensorLength(geometry);
    const buffer = this.spare && this.spare.length === length ? this.spare : new Float32Array(length);
    this.spare = null;
    return this.packer.pack(pixels, geometry, buffer);
  }

  /** Bitmap path: the browser scales the frame to the content size while making the bitmap. */
  private toBitmap(drawable: Exclude<ImageSource, Blob>, geometry: InputGeometry): Promise<ImageBitmap> {
    const resize = isUnscaled(geometry)
      ? {}
      : { resizeWidth: geometry.contentWidth, resizeHeight: geometry.contentHeight, resizeQuality: 'medium' as const };
    return createImageBitmap(drawable as ImageBitmapSource, resize);
  }

  private switchBackend(change: BackendChange): void {
    this.backend = change.backend;
    this.backendReason = change.reason;
    this.defaults.onBackendChange?.(change);
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: change }));
  }

  /**
   * Detects on every new frame of a playing video, at most one frame in flight: frames that arrive while a
   * detection runs are dropped, never queued. Stops on `stop()` or `dispose()`.
   */
  watch(video: HTMLVideoElement, onResult: (result: DetectionResult) => void, options: WatchOptions = {}): VideoWatcher {
    if (this.disposed) throw disposedError();
    const watcher = watchVideo(video, (overrides) => this.detect(video, overrides), onResult, {
      ...options,
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
    await Promise.race([released, new Promise((r) => setTimeout(r, 1000))]);
    this.client.terminate(disposedError());
  }
}

function checkOptions(options: FaceDetectorOptions): void {
  checkDecodeOptions(options);
  const { backend, numThreads } = options;
  if (backend !== undefined && !['auto', 'webgpu', 'wasm'].includes(backend)) {
    throw new InvalidInputError(`backend must be 'auto', 'webgpu' or 'wasm'; got ${JSON.stringify(backend)}.`);
  }
  if (numThreads !== undefined && !(Number.isInteger(numThreads) && numThreads >= 1)) {
    throw new InvalidInputError(`numThreads must be a whole number of at least 1; got ${numThreads}.`);
  }
  if (options.framePath !== undefined && options.framePath !== 'bitmap' && options.framePath !== 'tensor') {
    throw new InvalidInputError(`framePath must be 'bitmap' or 'tensor'; got ${JSON.stringify(options.framePath)}.`);
  }
}

const defaultModelBaseUrl = (): URL => new URL('models/', globalThis.document?.baseURI ?? globalThis.location.href);

/**
 * Loads a RetinaFace model into a module worker and returns a ready (warmed-up) detector.
 * Rejects with `ModelLoadError`, `UnsupportedModelError`, `BackendError` or `InvalidInputError`.
 */
export async function createFaceDetector(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
  checkOptions(options);
  // The default model comes with the package unless the app says where its models are.
  const model = options.model ?? (options.modelBaseUrl ? DEFAULT_MODEL_ID : bundledDefaultModelUrl());
  const warmup = typeof options.inputSize === 'object' ? options.inputSize : DEFAULT_WARMUP;
  const fetchOptions = {
    cache: options.cache ?? true,
    integrity: options.integrity,
    onProgress: options.onProgress,
    modelBaseUrl: options.modelBaseUrl ?? defaultModelBaseUrl(),
  };
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadModelBytes(model, fetchOptions);
    const client = new WorkerClient();
    try {
      const info = await client.call((api) =>
        api.load(
          transfer(
            {
              model: loaded.bytes,
              source: loaded.source,
              backend: options.backend ?? 'auto',
              numThreads: options.numThreads,
              wasmPaths: options.wasmPaths,
              descriptor: options.descriptor,
              warmupSize: warmup,
            },
            [loaded.bytes],
          ),
        ),
      );
      return new FaceDetector(client, info, loaded.source, options, warmup);
    } catch (error) {
      client.terminate(error instanceof Error ? error : new Error(String(error)));
      // A cached copy onnxruntime cannot read is dropped and downloaded once more.
      if (loaded.fromCache && error instanceof ModelLoadError && attempt === 0) {
        await evictCachedModel(loaded.source);
        continue;
      }
      throw error;
    }
  }
}
