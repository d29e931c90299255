import {
  BackendError,
  ImagePacker,
  InvalidInputError,
  UnsupportedModelError,
  planGeometry,
  tensorLength,
  type DecodeOptions,
  type InputGeometry,
} from '../core/index.ts';
import { FaceEngine, type OrtModule } from '../runtime/face-session.ts';
import { FrameReader } from '../pixels/frame-reader.ts';
import { chooseBackend, type WebGpuChoice } from '../runtime/backend-choice.ts';
import type { Backend, BackendChange, DetectorWorkerApi, LoadRequest, LoadedModel, WorkerResult } from './protocol.ts';

/** Loads the onnxruntime-web bundle that suits a backend (passed in, so tests and hosts can choose). */
export type OrtLoader = (backend: Backend) => Promise<OrtModule>;

const now = () => performance.now();

/**
 * The worker's side: owns the session, picks and reports the backend, warms up, serializes runs, packs
 * transferred bitmaps, and recovers from a lost WebGPU device by recreating the session on WASM.
 */
export class DetectorService implements DetectorWorkerApi {
  private engine: FaceEngine | null = null;
  private choice: WebGpuChoice | null = null;
  private request: LoadRequest | null = null;
  private model: Uint8Array | null = null;
  private device: GPUDevice | null = null;
  private deviceLost: string | null = null;
  private numThreads = 1;
  private packer: ImagePacker | null = null;
  private readonly reader = new FrameReader();
  private tensor = new Float32Array(0);
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly loadOrt: OrtLoader) {}

  /** Runs tasks one at a time: onnxruntime rejects concurrent runs on a session. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  load(request: LoadRequest): Promise<LoadedModel> {
    return this.serialize(async () => {
      if (this.engine) throw new Error('The worker already holds a model.');
      this.request = request;
      this.model = new Uint8Array(request.model);
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
      this.numThreads = isolated ? (request.numThreads ?? Math.min(cores, 4)) : 1;

      const choice = await chooseBackend(request.backend);
      const t0 = now();
      this.engine = await this.createEngine(choice);
      const t1 = now();
      const descriptor = this.engine.descriptor;
      this.packer = new ImagePacker(descriptor);
      await this.warmUp();
      const reason =
        !isolated && (request.numThreads ?? 1) > 1
          ? `${this.choice!.reason}; 1 WASM thread (the page is not cross-origin isolated)`
          : this.choice!.reason;
      return { backend: this.choice!.backend, reason, descriptor, numThreads: this.numThreads, loadMs: t1 - t0, warmupMs: now() - t1 };
    });
  }

  private async createEngine(choice: WebGpuChoice): Promise<FaceEngine> {
    const request = this.request!;
    const ort = await this.loadOrt(choice.backend);
    ort.env.wasm.numThreads = this.numThreads;
    ort.env.wasm.proxy = false;
    if (request.wasmPaths) ort.env.wasm.wasmPaths = request.wasmPaths;
    if (choice.backend === 'webgpu') {
      try {
        this.device = await choice.adapter!.requestDevice();
      } catch (cause) {
        throw new BackendError(`Could not create a WebGPU device: ${String(cause)}.`, { cause });
      }
      this.deviceLost = null;
      const device = this.device;
      void device.lost.then((info) => {
        if (this.device === device) this.deviceLost = info.message || info.reason || 'unknown reason';
      });
      ort.env.webgpu.device = device;
    }
    this.choice = choice;
    return FaceEngine.load(ort, this.model!, {
      executionProviders: [choice.backend],
      descriptor: request.descriptor,
      source: request.source,
    });
  }

  /** One run at the expected input size, so kernels and shaders are ready before the first frame. */
  private async warmUp(): Promise<void> {
    const { inputSize } = this.engine!.descriptor;
    const size = inputSize ?? this.request!.warmupSize;
    const geometry = planGeometry(size, inputSize, inputSize ? {} : { inputSize: size });
    await this.engine!.infer(new Float32Array(tensorLength(geometry)), geometry);
  }


  private async switchToWasm(reason: string): Promise<BackendChange> {
    const from = this.choice!.backend;
    const old = this.engine;
    this.engine = null;
    this.device?.destroy();
    this.device = null;
    await old?.release().catch(() => undefined);
    try {
      this.engine = await this.createEngine({ backend: 'wasm', reason });
    } catch (cause) {
      throw new BackendError(`${reason}, and the WASM fallback failed: ${String(cause)}.`, { cause });
    }
    return { from, backend: 'wasm', reason };
  }

  private requireEngine(): FaceEngine {
    if (this.disposed) throw new BackendError('The detector worker was disposed.');
    if (!this.engine) throw new BackendError('The detector worker has no model loaded.');
    return this.engine;
  }

  /** Runs with recovery: a lost or failing WebGPU device moves the session to WASM and the run is retried. */
  private async run(tensor: Float32Array, geometry: InputGeometry, options: DecodeOptions, pack: number): Promise<WorkerResult> {
    this.requireEngine();
    let backendChange: BackendChange | undefined;
    if (this.deviceLost !== null && this.choice?.backend === 'webgpu') {
      backendChange = await this.switchToWasm(`WebGPU device lost (${this.deviceLost}); switched to WASM`);
    }
    let result;
    try {
      result = await this.engine!.detect(tensor, geometry, options);
    } catch (error) {
      const recoverable = this.choice?.backend === 'webgpu' && !(error instanceof InvalidInputError || error instanceof UnsupportedModelError);
      if (!recoverable) throw error;
      const cause = this.deviceLost !== null ? `WebGPU device lost (${this.deviceLost})` : `WebGPU run failed (${String((error as Error)?.message ?? error)})`;
      backendChange = await this.switchToWasm(`${cause}; switched to WASM`);
      result = await this.engine!.detect(tensor, geometry, options);
    }
    return { faces: result.faces, timings: { pack, ...result.timings }, backend: this.choice!.backend, backendChange };
  }

  detectTensor(tensor: Float32Array, geometry: InputGeometry, options: DecodeOptions): Promise<WorkerResult> {
    return this.serialize(async () => ({ ...(await this.run(tensor, geometry, options, 0)), tensor }));
  }

  detectBitmap(bitmap: ImageBitmap, geometry: InputGeometry, options: DecodeOptions): Promise<WorkerResult> {
    return this.serialize(async () => {
      try {
        this.requireEngine();
        const t0 = now();
        const pixels = await this.reader.readBitmap(bitmap);
        const length = 3 * geometry.inputWidth * geometry.inputHeight;
        if (this.tensor.length < length) this.tensor = new Float32Array(length);
        const tensor = this.packer!.pack(pixels, geometry, this.tensor);
        return await this.run(tensor, geometry, options, now() - t0);
      } finally {
        bitmap.close();
      }
    });
  }

  async loseDevice(): Promise<boolean> {
    if (!this.device) return false;
    this.device.destroy();
    await this.device.lost;
    return true;
  }

  dispose(): Promise<void> {
    this.disposed = true;
    return this.serialize(async () => {
      const engine = this.engine;
      this.engine = null;
      await engine?.release();
      this.device?.destroy();
      this.device = null;
    });
  }
}
