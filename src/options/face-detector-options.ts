// The public options and results of the library, each field with its default, and the default constants.
// Every option is checked once, where it enters the API (`resolve-options.ts`); the layers below receive
// resolved values.
import type {
  DecodeOptions,
  DescriptorOverrides,
  Face,
  InputKind,
  GeometryOptions,
  InputSizeRequest,
  ModelDescriptor,
  ModelFamily,
  Size,
  TestTimeAugmentationOptions,
} from '../core/index.ts';
import type { FaceTrackerOptions, OneEuroParams } from '../tracking/index.ts';

export {
  DEFAULT_INPUT_SIZE,
  DEFAULT_IOU_THRESHOLD,
  DEFAULT_MAX_FACES,
  DEFAULT_MAX_INPUT_SIZE,
  DEFAULT_MIRROR,
  DEFAULT_SCORE_THRESHOLD,
  MAX_INPUT_SIDE,
  MAX_SOURCE_SIDE,
} from '../core/index.ts';

/** What the caller asks for: `'auto'` = WebGPU on a hardware adapter, else WASM; or force one. */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm';
/** What actually runs. */
export type Backend = 'webgpu' | 'wasm';

/** The backend changed at run time (the WebGPU device was lost or failed: detection moved to WASM). */
export interface BackendChange {
  from: Backend;
  backend: Backend;
  /** Why, e.g. "WebGPU device lost (destroyed); switched to WASM". */
  reason: string;
}

/** A model: the id of a known model (`MODEL_CATALOG`), a URL, or the ONNX bytes themselves. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

/**
 * How frames reach the worker. `'bitmap'`: the page makes an ImageBitmap at the input size and transfers it;
 * the worker reads and packs it (least main-thread work). `'tensor'`: the page reads the pixels and lays them
 * out as the session takes them itself (RGBA bytes, or the float tensor: `ModelInfo.input`), then transfers them.
 */
export type FramePath = 'bitmap' | 'tensor';

export const DEFAULT_BACKEND: BackendRequest = 'auto';
export const DEFAULT_FRAME_PATH: FramePath = 'bitmap';
export const DEFAULT_CACHE = true;
export const DEFAULT_IN_GRAPH_PREPROCESSING = true;
/** A download that receives no byte for this long fails (ms). */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** The most WASM threads a detector may ask for; more than the machine's cores are lowered to its core count. */
export const MAX_NUM_THREADS = 16;

/** `'fast'`: one run of the model. `'best'`: best-quality mode for still images (see `DetectOverrides.quality`). */
export type Quality = 'fast' | 'best';

/** Per-call settings of `detect()` and `watch()`; each defaults to the detector's option of the same name. */
export interface DetectOverrides extends DecodeOptions, GeometryOptions {
  /** How the frame reaches the worker (see `FramePath`). Defaults to `'bitmap'` (`DEFAULT_FRAME_PATH`). */
  framePath?: FramePath;
  /**
   * `'best'`: best-quality mode for still images, insightface's WIDER FACE test: an image pyramid chosen from the
   * image's size, each scale also run flipped, all candidates merged by box voting. About 15–25 times the time
   * of one run; on the 120 shared WIDER images it raises the default model's hard AP from 0.72 to 0.86. Needs a
   * dynamic-size model; `inputSize` and `maxInputSize` do not apply (the sizes come from `tta`); not for
   * `watch()`. Defaults to `'fast'`.
   */
  quality?: Quality;
  /** Best-quality mode's pyramid, flip and merge. Defaults to insightface's (`DEFAULT_TTA_SCALES`, …). */
  tta?: TestTimeAugmentationOptions;
}

/** Options of `createFaceDetector()`; the `DetectOverrides` fields set the defaults of every `detect()`. */
export interface FaceDetectorOptions extends DetectOverrides {
  /**
   * The model: the id of a known model (`'retinaface-mnet025'`, `'retinaface-mnet025-biubug6'`, `'retinaface-r50'`;
   * see `MODEL_CATALOG`), a URL, or the ONNX bytes. Defaults to `'retinaface-mnet025'` (`DEFAULT_MODEL_ID`), the
   * copy shipped with the package.
   */
  model?: ModelSource;
  /** Where known model ids are fetched from (`<base><file>`). Defaults to `models/` next to the page (Vite: `public/models/`). */
  modelBaseUrl?: string | URL;
  /** `'auto'`: WebGPU on a hardware adapter, else WASM; or force `'webgpu'` / `'wasm'`. Defaults to `'auto'` (`DEFAULT_BACKEND`). */
  backend?: BackendRequest;
  /**
   * WASM threads, 1 to 16 (`MAX_NUM_THREADS`), lowered to the machine's core count. More than 1 needs a
   * cross-origin isolated page. Defaults to min(cores, 4) when cross-origin isolated, else 1.
   */
  numThreads?: number;
  /** Where onnxruntime-web's `.wasm`/`.mjs` files are served, if not next to its bundle. Defaults to the bundle's own folder. */
  wasmPaths?: string;
  /**
   * On WASM, run the model's pre-processing (channel pick, mean, std, layout) as ops at the head of its graph, so
   * the worker hands onnxruntime the frame's RGBA bytes as they are instead of packing a float tensor in
   * JavaScript (about 2 ms less a 640x480 frame on a 2-core machine; `npm run bench:live`). Used only where it
   * computes the packed tensor's values exactly (a float32 [1,3,H,W] input, means of whole byte values, float32
   * stds, opset 10 or later); otherwise the worker packs, and `detector.model.inputReason` says why. WebGPU packs
   * on the GPU either way. `false` always packs in JavaScript. Defaults to true (`DEFAULT_IN_GRAPH_PREPROCESSING`).
   */
  inGraphPreprocessing?: boolean;
  /** Keep the model in Cache Storage so later page loads do not download it. Defaults to true (`DEFAULT_CACHE`). */
  cache?: boolean;
  /**
   * Expected sha256 of the model, as 64 hex digits or `sha256-<base64>`; a mismatch is a `ModelLoadError`.
   * Checked with `crypto.subtle`, or in JavaScript where the page has none (plain http). Defaults to no check.
   */
  integrity?: string;
  /** Cancels the load: `createFaceDetector` then rejects with the signal's reason. Defaults to none. */
  signal?: AbortSignal;
  /**
   * A download that receives no byte for this many milliseconds fails with `ModelLoadError` (a stalled server,
   * a dead connection). `Infinity` waits for ever. Defaults to 30000 (`DEFAULT_STALL_TIMEOUT_MS`).
   */
  timeoutMs?: number;
  /**
   * Download progress in bytes; `total` is 0 when unknown (no or compressed `Content-Length`). A model read
   * from Cache Storage reports (size, size) once, when it has loaded. Defaults to none.
   */
  onProgress?: (loaded: number, total: number) => void;
  /** Called when the backend changes at run time (a lost WebGPU device moves detection to WASM). Defaults to none. */
  onBackendChange?: (change: BackendChange) => void;
  /** Overrides of what is detected about the model (family, channel order, mean/std, landmark std, names). Defaults to none. */
  descriptor?: DescriptorOverrides;
}

/** Tracker settings of `watch()` (`FaceTrackerOptions` but smoothing, which has an option of its own). */
export type TrackingOptions = Omit<FaceTrackerOptions, 'smoothing'>;

/** Options of `watch()`: per-call settings, tracking, smoothing, the adaptive input size, error handling. */
export interface WatchOptions extends Omit<DetectOverrides, 'inputSize'> {
  /**
   * As `detect()`'s, plus `'auto'`: the loop picks the input size from measured times so that results keep up
   * with `targetFps`, never below what `minFaceSize` needs (a fixed-size model keeps its size). The size used
   * is each result's `inputSize`. Defaults to the detector's `inputSize`.
   */
  inputSize?: InputSizeRequest | 'auto';
  /** `inputSize: 'auto'`: results per second to aim for. Defaults to 30 (`DEFAULT_TARGET_FPS`). */
  targetFps?: number;
  /**
   * `inputSize: 'auto'`: the smallest face, in source pixels ((width + height) / 2), that must stay detectable.
   * Defaults to 40 (`DEFAULT_MIN_FACE_SIZE`).
   */
  minFaceSize?: number;
  /**
   * Stable face ids: each face of a result carries an `id` that stays while the face stays in view, and
   * `watcher.predict()` moves the latest faces to the time of the frame being shown. `false` turns tracking off
   * (and smoothing with it); an object sets the tracker (`DEFAULT_FACE_TRACKER_OPTIONS`). Defaults to true.
   */
  tracking?: boolean | TrackingOptions;
  /**
   * One Euro smoothing of each tracked face's box and landmarks (`false`: raw coordinates); an object sets some
   * of `DEFAULT_ONE_EURO`'s parameters. `detect()` is never smoothed. Defaults to true.
   */
  smoothing?: boolean | Partial<OneEuroParams>;
  /** Called when a detection fails (the loop goes on, except after dispose). Defaults to `console.error`. */
  onError?: (error: unknown) => void;
}

/** Milliseconds per stage of one `detect()`. */
export interface DetectionTimings {
  /** Getting the frame ready to send on the page: bitmap creation, or canvas read + packing. */
  capture: number;
  /** Reading and packing the frame in the worker (bitmap path). */
  pack: number;
  /** `session.run`. */
  inference: number;
  /** Decode + NMS. */
  decode: number;
  /** Messaging and waiting: total − capture − pack − inference − decode. */
  transfer: number;
  /** From the `detect()` call to its result. */
  total: number;
  /** Synchronous time this call spent on the calling thread. */
  mainThread: number;
}

/** The video frame a `watch()` result was computed on. */
export interface VideoFrameInfo {
  /** When the frame was shown (requestVideoFrameCallback's `expectedDisplayTime`), `performance.now()` ms. */
  time: number;
  /** When the camera captured it, where the browser says (camera streams), `performance.now()` ms. */
  captureTime?: number;
  /** Its position in the media, s. */
  mediaTime: number;
  /** From capture (or, without a capture time, from being shown) to this result's delivery, ms. */
  latency?: number;
}

/** What `detect()` returns. */
export interface DetectionResult {
  /** Faces in source pixels, best first. */
  faces: Face[];
  /** The tensor size the model ran at. */
  inputSize: Size;
  /** The source's size (what the coordinates refer to). */
  sourceSize: Size;
  /** The backend that ran this detection. */
  backend: Backend;
  timings: DetectionTimings;
  /** `watch()` results: the frame it was computed on, and the latency. */
  frame?: VideoFrameInfo;
}

/** What was loaded (`detector.model`). */
export interface ModelInfo {
  /** URL of the model, or "(bytes)". */
  source: string;
  family: ModelFamily;
  /** Fixed input size, or null for a dynamic-size model. */
  inputSize: Size | null;
  /** Anchors at the fixed size, or at the warm-up size (640x480 unless `inputSize` says) for dynamic models. */
  anchorCount: number;
  descriptor: ModelDescriptor;
  /**
   * What the session takes: `'rgba'`, the frame's bytes (the pre-processing runs at the head of the graph: see
   * `inGraphPreprocessing`); or `'float32'`, a tensor packed in the worker (on WebGPU, by a shader).
   */
  input: InputKind;
  /** Why `input` is what it is. */
  inputReason: string;
}

/** The settings every `detect()` starts from (`detector.defaults`): the options given, the model family's thresholds. */
export interface DetectDefaults extends Required<Omit<DetectOverrides, 'tta'>> {
  tta: TestTimeAugmentationOptions | undefined;
}

/** Session creation and warm-up time at load (`detector.loadTimings`), ms. */
export interface LoadTimings {
  session: number;
  warmup: number;
}
