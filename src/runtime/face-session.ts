import type * as Ort from 'onnxruntime-web';
import {
  BackendError,
  InvalidInputError,
  FaceDecoder,
  ModelLoadError,
  describeModel,
  type DecodeOptions,
  type CandidatePass,
  type DescriptorOverrides,
  type Face,
  type FaceCandidates,
  type InputGeometry,
  type ModelDescriptor,
  type ModelIO,
  type RawOutputs,
  type TensorInfo,
} from '../core/index.ts';
import { checkModelBytes } from '../models/model-bytes.ts';

/** The onnxruntime-web module (main entry, `/wasm` or `/webgpu`), passed in so each host picks its bundle. */
export type OrtModule = typeof Ort;

export interface SessionOptions {
  /** Defaults to `['wasm']`. */
  executionProviders?: Ort.InferenceSession.ExecutionProviderConfig[];
  /** Overrides of the detected model description. */
  descriptor?: DescriptorOverrides;
  /** Names the model in error messages (a path or URL). */
  source?: string;
}

/** A run's input: a packed tensor in memory, or (WebGPU) a GPU buffer holding it. */
export type SessionInput = Float32Array | GPUBuffer;

export interface SessionTimings {
  /** `session.run`, ms. */
  inference: number;
  /** Decode + NMS, ms. */
  decode: number;
}

function tensorInfo(m: Ort.InferenceSession.ValueMetadata): TensorInfo {
  return { name: m.name, shape: m.isTensor ? m.shape : [] };
}

export function sessionModelIO(session: Ort.InferenceSession): ModelIO {
  return { inputs: session.inputMetadata.map(tensorInfo), outputs: session.outputMetadata.map(tensorInfo) };
}

/**
 * One face model in one onnxruntime session: creates it (checking the bytes and describing the model), runs a
 * packed tensor, decodes the outputs with the core's decoder, releases it. Runs must be serialized by the
 * caller (onnxruntime rejects concurrent runs on one session): the worker's service does that.
 */
export class FaceSession {
  private readonly decoder: FaceDecoder;

  private constructor(
    private readonly ort: OrtModule,
    readonly session: Ort.InferenceSession,
    readonly descriptor: ModelDescriptor,
  ) {
    this.decoder = new FaceDecoder(descriptor);
  }

  static async load(ort: OrtModule, model: Uint8Array, options: SessionOptions = {}): Promise<FaceSession> {
    const source = options.source ?? '(bytes)';
    checkModelBytes(model, source);
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, {
        executionProviders: options.executionProviders ?? ['wasm'],
        graphOptimizationLevel: 'all',
      });
    } catch (cause) {
      const message = String((cause as Error)?.message ?? cause);
      // onnxruntime fails the same call when its own runtime cannot start: that is not the model's fault.
      if (/no available backend|failed to fetch|\.wasm|\.mjs|WebAssembly|importScripts/i.test(message)) {
        throw new BackendError(
          `onnxruntime-web could not start its ${(options.executionProviders ?? ['wasm']).join('/')} backend: ${message}. ` +
            'Check that its .wasm/.mjs files are served (see the wasmPaths option).',
          { cause },
        );
      }
      throw new ModelLoadError(
        `onnxruntime could not load the model ${source} (${model.length} bytes): ${message}. ` +
          'The file may be truncated or not an ONNX model.',
        { cause },
      );
    }
    try {
      return new FaceSession(ort, session, describeModel(sessionModelIO(session), options.descriptor));
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** The feed of the last run, kept: the next frame of the same size reuses it (no allocation per frame). */
  private feed: { input: SessionInput; width: number; height: number; value: Record<string, Ort.Tensor> } | null = null;

  private feedFor(input: SessionInput, g: InputGeometry): Record<string, Ort.Tensor> {
    const f = this.feed;
    if (f && f.input === input && f.width === g.inputWidth && f.height === g.inputHeight) return f.value;
    const dims = [1, 3, g.inputHeight, g.inputWidth];
    let tensor: Ort.Tensor;
    if (input instanceof Float32Array) {
      const length = 3 * g.inputWidth * g.inputHeight;
      if (input.length !== length) {
        throw new InvalidInputError(`The tensor holds ${input.length} floats; a ${g.inputWidth}x${g.inputHeight} input needs ${length}.`);
      }
      tensor = new this.ort.Tensor('float32', input, dims);
    } else {
      tensor = this.ort.Tensor.fromGpuBuffer(input, { dataType: 'float32', dims });
    }
    const value = { [this.descriptor.inputName]: tensor };
    this.feed = { input, width: g.inputWidth, height: g.inputHeight, value };
    return value;
  }

  /**
   * Runs the model on a packed NCHW tensor of the geometry's input size (in memory, or in a GPU buffer on
   * WebGPU); returns the raw outputs (onnxruntime's tensors, read in place by the decoder).
   */
  async infer(input: SessionInput, geometry: InputGeometry): Promise<RawOutputs> {
    return (await this.session.run(this.feedFor(input, geometry))) as unknown as RawOutputs;
  }

  decode(outputs: RawOutputs, geometry: InputGeometry, settings: DecodeOptions = {}): Face[] {
    return this.decoder.decode(outputs, geometry, settings);
  }

  /** Best-quality mode: appends this pass's candidates (before NMS) to `into`; see `FaceDecoder.collect`. */
  collect(outputs: RawOutputs, pass: CandidatePass, into: FaceCandidates, scoreThreshold?: number): number {
    return this.decoder.collect(outputs, pass, into, scoreThreshold);
  }

  /** `infer` then `decode`, with per-stage timings. */
  async detect(input: SessionInput, geometry: InputGeometry, settings: DecodeOptions = {}): Promise<{ faces: Face[]; timings: SessionTimings }> {
    const t0 = performance.now();
    const outputs = await this.infer(input, geometry);
    const t1 = performance.now();
    const faces = this.decode(outputs, geometry, settings);
    const t2 = performance.now();
    return { faces, timings: { inference: t1 - t0, decode: t2 - t1 } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
