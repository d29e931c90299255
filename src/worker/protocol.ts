// The messages between the page and the detector worker, in one place (internal: not part of the public API).
// Everything crossing is structured-cloneable; pixel buffers are transferred, never copied.
import type { DecodeOptions, DescriptorOverrides, InputGeometry, InputKind, ModelDescriptor, PackedInput, Size, TestTimeAugmentationOptions } from '../core/index.ts';
import type { Backend, BackendChange, BackendRequest, DetectionResult, DetectionTimings } from '../options/face-detector-options.ts';

export interface LoadRequest {
  /** The model bytes (transferred). */
  model: ArrayBuffer;
  /** Names the model in messages (URL or "(bytes)"). */
  source: string;
  backend: BackendRequest;
  /** WASM threads asked for; undefined = the thread policy's default. */
  numThreads?: number;
  /** Where onnxruntime-web finds its .wasm/.mjs files; undefined = next to its bundle. */
  wasmPaths?: string;
  descriptor: DescriptorOverrides;
  /** Input size of the warm-up run for dynamic models (fixed models warm up at their own size). */
  warmupSize: Size;
  /** On WASM, let the session take RGBA bytes (the pre-processing at the head of the graph) where that is exact. */
  rgbaInput: boolean;
}

export interface LoadedModel {
  backend: Backend;
  /** Why this backend (and thread count) runs. */
  reason: string;
  descriptor: ModelDescriptor;
  /** What the session takes: tensor frames must be packed so (`createInputPacker`). */
  input: InputKind;
  /** Why it takes that. */
  inputReason: string;
  numThreads: number;
  /** Session creation, ms. */
  loadMs: number;
  /** The warm-up run, ms. */
  warmupMs: number;
}

/**
 * A frame for the worker: a bitmap at the geometry's content size; a video frame at the source's own size (the
 * worker converts and scales it, so the page spends nothing on it); or a tensor the page packed.
 */
export type Frame = { kind: 'bitmap'; bitmap: ImageBitmap } | { kind: 'video-frame'; frame: VideoFrame } | { kind: 'tensor'; tensor: PackedInput };

/** What a frame hands over to the worker (transferred, never copied). */
export function frameTransferable(frame: Frame): Transferable {
  return frame.kind === 'bitmap' ? frame.bitmap : frame.kind === 'video-frame' ? (frame.frame as unknown as Transferable) : frame.tensor.buffer;
}

/** Releases a frame's pixels (a tensor needs nothing). */
export function closeFrame(frame: Frame): void {
  if (frame.kind === 'bitmap') frame.bitmap.close();
  else if (frame.kind === 'video-frame') frame.frame.close();
}

/** The worker's share of the timings. */
export type WorkerTimings = Pick<DetectionTimings, 'pack' | 'inference' | 'decode'>;

/** The public result minus what only the page knows (the source's size, the page's timings). */
export interface WorkerResult extends Pick<DetectionResult, 'faces' | 'inputSize' | 'backend'> {
  timings: WorkerTimings;
  /** Set when this run moved to another backend (a lost WebGPU device). */
  backendChange?: BackendChange;
  /** The tensor buffer, handed back for reuse (tensor frames). */
  tensor?: PackedInput;
}

/** What best-quality mode needs: the decode settings, the mirror, and its own options. */
export interface BestQualitySettings extends DecodeOptions {
  mirror: boolean;
  tta?: TestTimeAugmentationOptions;
}

/** Which live stream a frame belongs to, and its place in it. */
export interface LiveStream {
  id: number;
  seq: number;
}

/** The answer for a live frame that a newer frame of the same stream replaced before it ran. */
export interface DroppedFrame {
  dropped: true;
  /** The tensor buffer, handed back for reuse (tensor frames). */
  tensor?: PackedInput;
}

export interface DetectorWorkerApi {
  load(request: LoadRequest): Promise<LoadedModel>;
  /** Packs (bitmap frames; the bitmap is closed after use) and runs one frame; runs are serialized. */
  detect(frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult>;
  /**
   * A frame of a live stream (`stream.id` names it; `stream.seq` counts its frames in the order they were
   * taken): it runs as soon as the worker is free, unless a newer frame of the same stream arrives first, which
   * replaces it (the older one is answered `{dropped: true}` at once). So at most one frame per stream waits,
   * and it is always the newest; a frame older than one already received (captures can finish out of order) is
   * dropped at once, so results come in the order the frames were taken.
   */
  detectLatest(stream: LiveStream, frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult | DroppedFrame>;
  /**
   * Best-quality mode on a bitmap at the image's own size (closed after use): the passes of
   * `planTestTimeAugmentation` (each scale resized in the worker, run as it is and flipped), one merge.
   */
  detectBest(bitmap: ImageBitmap, settings: BestQualitySettings): Promise<WorkerResult>;
  /** Destroys the WebGPU device, as a driver reset would: exercises the recovery path in tests. */
  loseDevice(): Promise<boolean>;
  dispose(): Promise<void>;
}
