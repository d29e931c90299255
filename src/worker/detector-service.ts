import {
  BackendError,
  DisposedError,
  ImagePacker,
  InvalidInputError,
  UnsupportedModelError,
  planGeometry,
  tensorLength,
  type DecodeOptions,
  type InputGeometry,
} from '../core/index.ts';
import type { Backend, BackendChange, BackendRequest } from '../options/face-detector-options.ts';
import { FrameReader } from '../pixels/frame-reader.ts';
import { chooseBackend, type BackendChoice } from '../runtime/backend-choice.ts';
import { FaceSession, type OrtModule } from '../runtime/face-session.ts';
import { chooseThreads, configureOrt, type ThreadContext } from '../runtime/ort-environment.ts';
import type { DetectorWorkerApi, Frame, LoadRequest, LoadedModel, WorkerResult } from './protocol.ts';

/** Loads the onnxruntime-web bundle that suits a backend (passed in, so each entry and test chooses). */
export type OrtLoader = (backend: Backend) => Promise<OrtModule>;

/** What the service needs from its host. */
export interface ServiceHost {
  loadOrt: OrtLoader;
  /** Picks the backend for a request. Defaults to `chooseBackend` on `navigator.gpu`. */
  chooseBackend?: (request: BackendRequest) => Promise<BackendChoice>;
  /** Defaults to the worker's `crossOriginIsolated` and `navigator.hardwareConcurrency`. */
  threads?: ThreadContext;
}

const now = () => performance.now();

const workerThreads = (): ThreadContext => ({
  isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  cores: globalThis.navigator?.hardwareConcurrency ?? 1,
});

/**
 * The worker's side: owns the session, picks and reports the backend, warms up, serializes every task (the
 * one place runs are serialized: onnxruntime rejects concurrent runs on a session), packs transferred bitmaps,
 * and recovers from a lost WebGPU device by recreating the session on WASM.
 */
export class DetectorService implements DetectorWorkerApi {
  private session: FaceSession | null = null;
  private choice: BackendChoice | null = null;
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
  private readonly choose: (request: BackendRequest) => Promise<BackendChoice>;

  constructor(private readonly host: ServiceHost) {
    this.choose = host.chooseBackend ?? ((request) => chooseBackend(request));
  }

  /** Runs tasks one at a time, in the order they arrive; once disposed, new tasks are refused. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new DisposedError('The detector worker was disposed.'));
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  load(request: LoadRequest): Promise<LoadedModel> {
    return this.serialize(async () => {
      if (this.session) throw new Error('The worker already holds a model.');
      this.request = request;
      this.model = new Uint8Array(request.model);
      const threads = chooseThreads(request.numThreads, this.host.threads ?? workerThreads());
      this.numThreads = threads.numThreads;

      const choice = await this.choose(request.backend);
      const t0 = now();
      this.session = await this.createSession(choice);
      const t1 = now();
      this.packer = new ImagePacker(this.session.descriptor);
      await this.warmUp();
      const reason = threads.note ? `${this.choice!.reason}; ${threads.note}` : this.choice!.reason;
      return { backend: this.choice!.backend, reason, descriptor: this.session.descriptor, numThreads: this.numThreads, loadMs: t1 - t0, warmupMs: now() - t1 };
    });
  }

  private async createSession(choice: BackendChoice): Promise<FaceSession> {
    const request = this.request!;
    const ort = await this.host.loadOrt(choice.backend);
    configureOrt(ort, { numThreads: this.numThreads, wasmPaths: request.wasmPaths });
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
    return FaceSession.load(ort, this.model!, {
      executionProviders: [choice.backend],
      descriptor: request.descriptor,
      source: request.source,
    });
  }

  /** One run at the expected input size, so kernels and shaders are ready before the first frame. */
  private async warmUp(): Promise<void> {
    const { inputSize } = this.session!.descriptor;
    const size = inputSize ?? this.request!.warmupSize;
    const geometry = planGeometry(size, inputSize, inputSize ? {} : { inputSize: size });
    await this.session!.infer(new Float32Array(tensorLength(geometry)), geometry);
  }

  private async switchToWasm(reason: string): Promise<BackendChange> {
    const from = this.choice!.backend;
    const old = this.session;
    this.session = null;
    this.device?.destroy();
    this.device = null;
    await old?.release().catch(() => undefined);
    try {
      this.session = await this.createSession({ backend: 'wasm', reason });
    } catch (cause) {
      throw new BackendError(`${reason}, and the WASM fallback failed: ${String(cause)}.`, { cause });
    }
    return { from, backend: 'wasm', reason };
  }

  private requireSession(): FaceSession {
    if (!this.session) throw new BackendError('The detector worker has no model loaded.');
    return this.session;
  }

  /** Runs with recovery: a lost or failing WebGPU device moves the session to WASM and the run is retried. */
  private async run(tensor: Float32Array, geometry: InputGeometry, settings: DecodeOptions, pack: number): Promise<WorkerResult> {
    this.requireSession();
    let backendChange: BackendChange | undefined;
    if (this.deviceLost !== null && this.choice?.backend === 'webgpu') {
      backendChange = await this.switchToWasm(`WebGPU device lost (${this.deviceLost}); switched to WASM`);
    }
    let result;
    try {
      result = await this.session!.detect(tensor, geometry, settings);
    } catch (error) {
      const recoverable = this.choice?.backend === 'webgpu' && !(error instanceof InvalidInputError || error instanceof UnsupportedModelError);
      if (!recoverable) throw error;
      const cause = this.deviceLost !== null ? `WebGPU device lost (${this.deviceLost})` : `WebGPU run failed (${String((error as Error)?.message ?? error)})`;
      backendChange = await this.switchToWasm(`${cause}; switched to WASM`);
      result = await this.session!.detect(tensor, geometry, settings);
    }
    return {
      faces: result.faces,
      inputSize: { width: geometry.inputWidth, height: geometry.inputHeight },
      backend: this.choice!.backend,
      timings: { pack, ...result.timings },
      backendChange,
    };
  }

  detect(frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult> {
    return this.serialize(async () => {
      if (frame.kind === 'tensor') return { ...(await this.run(frame.tensor, geometry, settings, 0)), tensor: frame.tensor };
      try {
        this.requireSession();
        const t0 = now();
        const pixels = await this.reader.readBitmap(frame.bitmap);
        const length = tensorLength(geometry);
        if (this.tensor.length < length) this.tensor = new Float32Array(length);
        const tensor = this.packer!.pack(pixels, geometry, this.tensor);
        return await this.run(tensor, geometry, settings, now() - t0);
      } finally {
        frame.bitmap.close();
      }
    });
  }

  async loseDevice(): Promise<boolean> {
    if (!this.device) return false;
    this.device.destroy();
    await this.device.lost;
    return true;
  }

  /** Releases the session once the tasks already asked for have run; later tasks reject with `DisposedError`. */
  dispose(): Promise<void> {
    if (this.disposed) return this.queue.then(() => undefined);
    const release = this.serialize(async () => {
      const session = this.session;
      this.session = null;
      await session?.release();
      this.device?.destroy();
      this.device = null;
    });
    this.disposed = true;
    return release;
  }
}
