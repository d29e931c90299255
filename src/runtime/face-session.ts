import type * as Ort from 'onnxruntime-web';
import {
  BackendError,
  InvalidInputError,
  FaceDecoder,
  ModelLoadError,
  blankInput,
  createInputPacker,
  describeModel,
  type InputKind,
  type InputPacker,
  type PackedInput,
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
import { addRgbaHead, modelIOFromBytes, RGBA_HEAD_INPUT } from './rgba-head.ts';

/** The onnxruntime-web module (main entry, `/wasm` or `/webgpu`), passed in so each host picks its bundle. */
export type OrtModule = typeof Ort;

export interface SessionOptions {
  /** Defaults to `['wasm']`. */
  executionProviders?: Ort.InferenceSession.ExecutionProviderConfig[];
  /** Overrides of the detected model description. */
  descriptor?: DescriptorOverrides;
  /** Names the model in error messages (a path or URL). */
  source?: string;
  /**
   * Let the session take a frame's RGBA bytes, with the pre-processing at the head of the graph (`addRgbaHead`),
   * where that computes exactly what `ImagePacker` would. Defaults to false (float32 [1,3,H,W]).
   */
  rgbaInput?: boolean;
}

/** A run's input: a packed tensor or RGBA bytes in memory, or (WebGPU) a GPU buffer holding the tensor. */
export type SessionInput = PackedInput | GPUBuffer;

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

/** An onnxruntime session of the model, its failures typed: the runtime not starting, or the model not loading. */
async function createSession(ort: OrtModule, model: Uint8Array, source: string, options: SessionOptions): Promise<Ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, {
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
    /** What `infer` takes. */
    readonly input: InputKind,
    /** Why the input is not `'rgba'` (null when it is). */
    readonly rgbaObstacle: string | null,
  ) {
    this.decoder = new FaceDecoder(descriptor);
  }

  /** A packer that lays frames out as this session takes them. */
  createPacker(): InputPacker {
    return createInputPacker(this.descriptor, this.input);
  }

  /** A zeroed input for the geometry (the warm-up's). */
  blankInput(g: InputGeometry): PackedInput {
    return blankInput(this.input, g);
  }

  static async load(ort: OrtModule, model: Uint8Array, options: SessionOptions = {}): Promise<FaceSession> {
    const source = options.source ?? '(bytes)';
    checkModelBytes(model, source);
    let obstacle = 'not asked for';
    if (options.rgbaInput) {
      const headed = await FaceSession.loadWithRgbaHead(ort, model, source, options);
      if (headed instanceof FaceSession) return headed;
      obstacle = headed;
    }
    const session = await createSession(ort, model, source, options);
    try {
      return new FaceSession(ort, session, describeModel(sessionModelIO(session), options.descriptor), 'float32', obstacle);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /**
   * The session with the RGBA head, or why not. The model is described from its bytes first (the head needs
   * its channel order, mean and std), then again with the outputs onnxruntime reports; if the two differ, the
   * head is not used, so what runs is always what onnxruntime's own description of the model says.
   */
  private static async loadWithRgbaHead(ort: OrtModule, model: Uint8Array, source: string, options: SessionOptions): Promise<FaceSession | string> {
    const io = modelIOFromBytes(model);
    let provisional: ModelDescriptor;
    try {
      if (!io) throw new Error('unreadable');
      provisional = describeModel(io, options.descriptor);
    } catch {
      return 'the model could not be described from its bytes';
    }
    const head = addRgbaHead(model, provisional);
    if (!head.model) return head.reason;
    let session: Ort.InferenceSession;
    try {
      session = await createSession(ort, head.model, source, options);
    } catch (error) {
      if (error instanceof BackendError) throw error;
      return `onnxruntime could not load the model with the head (${(error as Error).message})`;
    }
    let descriptor: ModelDescriptor | null;
    try {
      descriptor = describeModel({ inputs: io.inputs, outputs: sessionModelIO(session).outputs }, options.descriptor);
    } catch {
      descriptor = null;
    }
    if (descriptor && JSON.stringify(descriptor) === JSON.stringify(provisional)) return new FaceSession(ort, session, descriptor, 'rgba', null);
    await session.release();
    return 'onnxruntime describes the model otherwise than its bytes';
  }

  /** The feed of the last run, kept: the next frame of the same size reuses it (no allocation per frame). */
  private feed: { input: SessionInput; width: number; height: number; value: Record<string, Ort.Tensor> } | null = null;

  private feedFor(input: SessionInput, g: InputGeometry): Record<string, Ort.Tensor> {
    const f = this.feed;
    if (f && f.input === input && f.width === g.inputWidth && f.height === g.inputHeight) return f.value;
    const { inputWidth: w, inputHeight: h } = g;
    let tensor: Ort.Tensor;
    if (input instanceof Float32Array || input instanceof Uint8Array) {
      const rgba = input instanceof Uint8Array;
      if (rgba !== (this.input === 'rgba')) {
        throw new InvalidInputError(`This session takes ${this.input === 'rgba' ? 'RGBA bytes (a Uint8Array)' : 'a float32 tensor (a Float32Array)'}; got a ${input.constructor.name}.`);
      }
      const length = (rgba ? 4 : 3) * w * h;
      if (input.length !== length) {
        throw new InvalidInputError(`The tensor holds ${input.length} ${rgba ? 'bytes' : 'floats'}; a ${w}x${h} input needs ${length}.`);
      }
      tensor = rgba ? new this.ort.Tensor('uint8', input, [1, h, w, 4]) : new this.ort.Tensor('float32', input, [1, 3, h, w]);
    } else {
      tensor = this.ort.Tensor.fromGpuBuffer(input, { dataType: 'float32', dims: [1, 3, h, w] });
    }
    const value = { [this.input === 'rgba' ? RGBA_HEAD_INPUT : this.descriptor.inputName]: tensor };
    this.feed = { input, width: g.inputWidth, height: g.inputHeight, value };
    return value;
  }

  /**
   * Runs the model on an input of the geometry's input size, as `input` says (packed NCHW floats in memory or,
   * on WebGPU, in a GPU buffer; or RGBA bytes); returns the raw outputs (onnxruntime's tensors, read in place by the decoder).
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
