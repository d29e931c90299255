// The messages between the page and the detector worker, in one place. Everything crossing is structured-
// cloneable; pixel buffers are transferred, never copied.
import type { DecodeOptions, DescriptorOverrides, Face, InputGeometry, ModelDescriptor } from '../core/index.ts';

/** What the caller asks for: `auto` = WebGPU on a hardware adapter, else WASM. */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm';
/** What actually runs. */
export type Backend = 'webgpu' | 'wasm';

export interface BackendChoice {
  backend: Backend;
  /** Why this backend runs, e.g. "software WebGPU adapter only (SwiftShader)", "requested". */
  reason: string;
}

export interface LoadRequest {
  /** The model bytes (transferred). */
  model: ArrayBuffer;
  /** Names the model in messages (URL or "(bytes)"). */
  source: string;
  backend: BackendRequest;
  /** WASM threads; undefined = min(hardwareConcurrency, 4) when cross-origin isolated, else 1. */
  numThreads?: number;
  /** Where onnxruntime-web finds its .wasm/.mjs files; undefined = next to its bundle. */
  wasmPaths?: string;
  descriptor?: DescriptorOverrides;
  /** Input size of the warm-up run for dynamic models (fixed models warm up at their own size). */
  warmupSize: { width: number; height: number };
}

export interface LoadedModel extends BackendChoice {
  descriptor: ModelDescriptor;
  numThreads: number;
  /** Session creation, ms. */
  loadMs: number;
  /** The warm-up run, ms. */
  warmupMs: number;
}

export interface WorkerTimings {
  /** Drawing a transferred bitmap and packing it (bitmap path only), ms. */
  pack: number;
  /** `session.run`, ms. */
  inference: number;
  /** Decode + NMS, ms. */
  decode: number;
}

/** The backend changed during a run (WebGPU device lost or failing: switched to WASM). */
export interface BackendChange extends BackendChoice {
  from: Backend;
}

export interface WorkerResult {
  faces: Face[];
  timings: WorkerTimings;
  backend: Backend;
  backendChange?: BackendChange;
  /** The tensor buffer, handed back for reuse (tensor path). */
  tensor?: Float32Array;
}

export interface DetectorWorkerApi {
  load(request: LoadRequest): Promise<LoadedModel>;
  /** Runs a packed tensor (transferred in and back out). */
  detectTensor(tensor: Float32Array, geometry: InputGeometry, options: DecodeOptions): Promise<WorkerResult>;
  /** Packs a bitmap already at the geometry's content size (transferred, closed after use), then runs it. */
  detectBitmap(bitmap: ImageBitmap, geometry: InputGeometry, options: DecodeOptions): Promise<WorkerResult>;
  /** Destroys the WebGPU device, as a driver reset would: exercises the recovery path in tests. */
  loseDevice(): Promise<boolean>;
  dispose(): Promise<void>;
}
