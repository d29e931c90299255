import {
  BackendError,
  CandidateMerger,
  FaceCandidates,
  planTestTimeAugmentation,
  type RgbaPixels,
  DisposedError,
  InvalidInputError,
  UnsupportedModelError,
  isUnscaled,
  packInput,
  planGeometry,
  tensorLength,
  type DecodeOptions,
  type InputGeometry,
  type InputPacker,
  type PackedInput,
  type PackOptions,
} from '../core/index.ts';
import type { Backend, BackendChange, BackendRequest } from '../options/face-detector-options.ts';
import { FrameReader } from '../pixels/frame-reader.ts';
import { chooseBackend, type BackendChoice } from '../runtime/backend-choice.ts';
import { FaceSession, type OrtModule, type SessionInput } from '../runtime/face-session.ts';
import { WebGpuPacker } from '../runtime/webgpu-packer.ts';
import { chooseThreads, configureOrt, type ThreadContext } from '../runtime/ort-environment.ts';
import { closeFrame, type BestQualitySettings, type DetectorWorkerApi, type DroppedFrame, type Frame, type LiveStream, type LoadRequest, type LoadedModel, type WorkerResult } from './protocol.ts';

/** Scaling to the content size, as the page scales its bitmaps. */
const contentSize = (g: InputGeometry): ImageBitmapOptions => ({ resizeWidth: g.contentWidth, resizeHeight: g.contentHeight, resizeQuality: 'medium' });

/** A live frame waiting for the worker: dropped (answered at once) if a newer one of its stream arrives. */
interface WaitingFrame {
  drop(): void;
}

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

/** Resolves in a new task of this thread's event loop (after the messages already queued), without timer clamping. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

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
  private packer: InputPacker | null = null;
  private gpuPacker: WebGpuPacker | null = null;
  private candidates: FaceCandidates | null = null;
  private merger: CandidateMerger | null = null;
  private readonly reader = new FrameReader();
  /** The packed input of the last frame, reused for the next. */
  private scratch: PackedInput | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly waiting = new Map<number, WaitingFrame>();
  /** Per live stream, the newest frame received. */
  private readonly newest = new Map<number, number>();
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
      this.session = await this.createSession(choice, request.rgbaInput);
      const t1 = now();
      await this.warmUp();
      const reason = threads.note ? `${this.choice!.reason}; ${threads.note}` : this.choice!.reason;
      const { descriptor, input } = this.session;
      return { backend: this.choice!.backend, reason, descriptor, input, inputReason: this.inputReason(), numThreads: this.numThreads, loadMs: t1 - t0, warmupMs: now() - t1 };
    });
  }

  /**
   * A session for the backend, and the packer for its input. `rgbaInput` (WASM only) puts the pre-processing at
   * the head of the graph where it is exact; WebGPU packs on the GPU into a float tensor.
   */
  private async createSession(choice: BackendChoice, rgbaInput: boolean): Promise<FaceSession> {
    const request = this.request!;
    const ort = await this.host.loadOrt(choice.backend);
    configureOrt(ort, { numThreads: this.numThreads, wasmPaths: request.wasmPaths });
    if (choice.backend === 'webgpu') ort.env.webgpu.powerPreference = 'high-performance';
    this.choice = choice;
    const session = await FaceSession.load(ort, this.model!, {
      executionProviders: [choice.backend],
      descriptor: request.descriptor,
      source: request.source,
      rgbaInput: rgbaInput && choice.backend === 'wasm',
    });
    this.packer = session.createPacker();
    this.scratch = null;
    if (choice.backend === 'webgpu') {
      // onnxruntime's WebGPU EP makes its own device; frames are packed on that one and its loss is watched.
      try {
        this.device = await ort.env.webgpu.device;
      } catch (cause) {
        await session.release();
        throw new BackendError(`Could not get onnxruntime's WebGPU device: ${String(cause)}.`, { cause });
      }
      this.deviceLost = null;
      const device = this.device;
      void device.lost.then((info) => {
        if (this.device === device) this.deviceLost = info.message || info.reason || 'unknown reason';
      });
    }
    return session;
  }

  /** One run at the expected input size, so kernels and shaders are ready before the first frame. */
  private async warmUp(): Promise<void> {
    const { inputSize } = this.session!.descriptor;
    const size = inputSize ?? this.request!.warmupSize;
    const geometry = planGeometry(size, inputSize, inputSize ? {} : { inputSize: size });
    await this.session!.infer(this.session!.blankInput(geometry), geometry);
  }

  private inputReason(): string {
    const session = this.session!;
    if (session.input === 'rgba') return 'the frame’s RGBA bytes: the pre-processing runs at the head of the graph';
    if (this.choice!.backend === 'webgpu') return 'a float tensor, packed on the GPU';
    if (!this.request!.rgbaInput) return 'a float tensor, packed in the worker: inGraphPreprocessing is false';
    return `a float tensor, packed in the worker: the pre-processing cannot run exactly in the graph (${session.rgbaObstacle})`;
  }

  private async switchToWasm(reason: string): Promise<BackendChange> {
    const from = this.choice!.backend;
    const old = this.session;
    this.session = null;
    this.gpuPacker = null;
    this.device?.destroy();
    this.device = null;
    await old?.release().catch(() => undefined);
    try {
      // A float session, as on WebGPU: the page may be packing float tensors for it (framePath 'tensor').
      this.session = await this.createSession({ backend: 'wasm', reason }, false);
    } catch (cause) {
      throw new BackendError(`${reason}, and the WASM fallback failed: ${String(cause)}.`, { cause });
    }
    return { from, backend: 'wasm', reason };
  }

  private requireSession(): FaceSession {
    if (!this.session) throw new BackendError('The detector worker has no model loaded.');
    return this.session;
  }

  /**
   * Runs a frame with recovery: a lost or failing WebGPU device moves the session to WASM and the run is
   * retried there (the frame is packed again for the new backend).
   */
  private async run(frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult> {
    this.requireSession();
    let backendChange: BackendChange | undefined;
    if (this.deviceLost !== null && this.choice?.backend === 'webgpu') {
      backendChange = await this.switchToWasm(`WebGPU device lost (${this.deviceLost}); switched to WASM`);
    }
    let result;
    try {
      result = await this.runOnce(frame, geometry, settings);
    } catch (error) {
      const recoverable = this.choice?.backend === 'webgpu' && !(error instanceof InvalidInputError || error instanceof UnsupportedModelError);
      if (!recoverable) throw error;
      const cause = this.deviceLost !== null ? `WebGPU device lost (${this.deviceLost})` : `WebGPU run failed (${String((error as Error)?.message ?? error)})`;
      backendChange = await this.switchToWasm(`${cause}; switched to WASM`);
      result = await this.runOnce(frame, geometry, settings);
    }
    return { ...result, inputSize: { width: geometry.inputWidth, height: geometry.inputHeight }, backend: this.choice!.backend, backendChange };
  }

  /**
   * Packs and runs a frame once. A bitmap on WebGPU goes to the GPU once and is packed there (no pixel read
   * back); on WASM it is read into reused memory and packed there. A tensor frame runs as it is.
   */
  private async runOnce(frame: Frame, geometry: InputGeometry, settings: DecodeOptions) {
    const t0 = now();
    let input: SessionInput;
    if (frame.kind === 'tensor') input = frame.tensor;
    else {
      // A video frame at the source's size is scaled here, to a bitmap at the content size.
      const scaled = frame.kind === 'video-frame' && !isUnscaled(geometry) ? await createImageBitmap(frame.frame, contentSize(geometry)) : null;
      const source = scaled ?? (frame.kind === 'bitmap' ? frame.bitmap : frame.frame);
      try {
        if (this.choice!.backend === 'webgpu') {
          this.gpuPacker ??= new WebGpuPacker(this.device!, this.session!.descriptor);
          input = this.gpuPacker.pack(source, geometry);
        } else {
          const pixels = await (source instanceof ImageBitmap ? this.reader.readBitmap(source) : this.reader.readVideoFrame(source));
          input = this.pack(pixels, geometry);
        }
      } finally {
        scaled?.close();
      }
    }
    const pack = frame.kind === 'tensor' ? 0 : now() - t0;
    const { faces, timings } = await this.session!.detect(input, geometry, settings);
    return { faces, timings: { pack, ...timings } };
  }

  /**
   * Pixels the worker read, laid out as the session takes them, into reused memory; RGBA pixels that are the
   * input as they are run in place (the reader's buffer, which is never kept as the scratch).
   */
  private pack(pixels: RgbaPixels, geometry: InputGeometry, options: PackOptions = {}): PackedInput {
    const packed = packInput(this.packer!, pixels, geometry, this.scratch, { ...options, inPlace: true });
    if (packed.buffer !== pixels.data.buffer) this.scratch = packed;
    return packed;
  }

  detect(frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult> {
    return this.serialize(() => this.runFrame(frame, geometry, settings));
  }

  detectLatest({ id: stream, seq }: LiveStream, frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult | DroppedFrame> {
    if (seq <= (this.newest.get(stream) ?? -Infinity)) return Promise.resolve(this.dropped(frame));
    this.newest.set(stream, seq);
    this.waiting.get(stream)?.drop();
    return new Promise<WorkerResult | DroppedFrame>((resolve, reject) => {
      const entry: WaitingFrame = {
        drop: () => {
          this.waiting.delete(stream);
          resolve(this.dropped(frame));
        },
      };
      this.waiting.set(stream, entry);
      this.serialize(async () => {
        // Runs block this thread, so newer frames may be sitting in its message queue (even when it was idle:
        // they came during the last run); let them in first, so that the newest is the one that runs.
        await nextTask();
        if (this.waiting.get(stream) !== entry) return; // replaced by a newer frame: already answered
        this.waiting.delete(stream);
        resolve(await this.runFrame(frame, geometry, settings));
      }).catch(reject);
    });
  }

  detectBest(bitmap: ImageBitmap, settings: BestQualitySettings): Promise<WorkerResult> {
    return this.serialize(async () => {
      try {
        return await this.runBest(bitmap, settings);
      } finally {
        bitmap.close();
      }
    });
  }

  /**
   * Best-quality mode, as a host drives the core: plan the passes; per scale, resize once (in this worker) and
   * run it as it is and flipped (the packer mirrors), collecting candidates before NMS; then one merge.
   */
  private async runBest(bitmap: ImageBitmap, settings: BestQualitySettings): Promise<WorkerResult> {
    const session = this.requireSession();
    const plan = planTestTimeAugmentation({ width: bitmap.width, height: bitmap.height }, session.descriptor.inputSize, { ...settings.tta, mirror: settings.mirror });
    const timings = { pack: 0, inference: 0, decode: 0 };
    const candidates = (this.candidates ??= new FaceCandidates());
    candidates.clear();
    let scaled: ImageBitmap | null = null;
    let pixels: RgbaPixels | null = null;
    let largest = plan.passes[0].geometry;
    try {
      for (const pass of plan.passes) {
        const g = pass.geometry;
        const t0 = now();
        if (!pixels || pixels.width !== g.contentWidth || pixels.height !== g.contentHeight) {
          scaled?.close();
          scaled = await createImageBitmap(bitmap, { resizeWidth: g.contentWidth, resizeHeight: g.contentHeight, resizeQuality: 'high' });
          pixels = await this.reader.readBitmap(scaled);
        }
        const tensor = this.pack(pixels, g, { flip: pass.flip });
        const t1 = now();
        const outputs = await session.infer(tensor, g);
        const t2 = now();
        session.collect(outputs, pass, candidates, settings.scoreThreshold);
        timings.pack += t1 - t0;
        timings.inference += t2 - t1;
        timings.decode += now() - t2;
        if (tensorLength(g) > tensorLength(largest)) largest = g;
      }
    } finally {
      scaled?.close();
    }
    const t3 = now();
    const faces = (this.merger ??= new CandidateMerger()).merge(candidates, plan, settings);
    timings.decode += now() - t3;
    return { faces, inputSize: { width: largest.inputWidth, height: largest.inputHeight }, backend: this.choice!.backend, timings };
  }

  /** A frame that will not run: its pixels released, its tensor handed back. */
  private dropped(frame: Frame): DroppedFrame {
    if (frame.kind === 'tensor') return { dropped: true, tensor: frame.tensor };
    closeFrame(frame);
    return { dropped: true };
  }

  private async runFrame(frame: Frame, geometry: InputGeometry, settings: DecodeOptions): Promise<WorkerResult> {
    if (frame.kind === 'tensor') return { ...(await this.run(frame, geometry, settings)), tensor: frame.tensor };
    try {
      return await this.run(frame, geometry, settings);
    } finally {
      closeFrame(frame);
    }
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
    for (const frame of [...this.waiting.values()]) frame.drop();
    const release = this.serialize(async () => {
      const session = this.session;
      this.session = null;
      await session?.release();
      this.gpuPacker?.destroy();
      this.gpuPacker = null;
      this.device?.destroy();
      this.device = null;
    });
    this.disposed = true;
    return release;
  }
}
