import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import {
  CandidateMerger,
  FaceCandidates,
  ImagePacker,
  InvalidInputError,
  ModelLoadError,
  checkDecodeOptions,
  planGeometry,
  planTestTimeAugmentation,
  tensorLength,
  type DecodeOptions,
  type DescriptorOverrides,
  type Face,
  type GeometryOptions,
  type InputGeometry,
  type TestTimeAugmentationOptions,
  type TtaPlan,
} from '../core/index.ts';
import { DEFAULT_MODEL_ID, findCatalogModel } from '../models/catalog.ts';
import { FaceEngine, type EngineTimings } from '../runtime/face-session.ts';
import { decodeImageFile, fitImage, type DecodedImage } from './image-file.ts';

/** The project root (two levels above this file in `src/node/` and in `dist/node/`). */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm install` puts the default model. */
export const defaultModelPath = (): string =>
  `${projectRoot}public/models/${findCatalogModel(DEFAULT_MODEL_ID)!.file}`;

export interface NodeDetectorOptions {
  /** Path of an ONNX model. Defaults to the default model in `public/models/`. */
  model?: string;
  /** WASM threads. Defaults to 1. */
  threads?: number;
  /** Overrides of the detected model description. */
  descriptor?: DescriptorOverrides;
}

export type DetectOptions = DecodeOptions &
  GeometryOptions & {
    /**
     * `'fast'`: one run of the model. `'best'`: best-quality mode for still images, insightface's WIDER FACE
     * multi-scale test (an image pyramid, each scale also flipped, box voting; see `TestTimeAugmentationOptions`),
     * some 20-50 times the work. `inputSize` and `maxInputSize` do not apply to it. Defaults to `'fast'`.
     */
    quality?: 'fast' | 'best';
    /** Best-quality mode's pyramid, flip and merge. Defaults to insightface's settings. */
    tta?: TestTimeAugmentationOptions;
  };

export interface ImageResult {
  faces: Face[];
  /** The tensor's geometry; in best-quality mode that of its largest pass (`tta` lists them all). */
  geometry: InputGeometry;
  /** Best-quality mode only: the passes that ran. */
  tta?: TtaPlan;
  /** ms; in best-quality mode summed over the passes (`pack` includes resizing, `decode` the final merge). */
  timings: EngineTimings & { pack: number };
}

/** The whole pipeline in-process: image → pack → onnxruntime-web (WASM) → decode + NMS. */
export class NodeDetector {
  private tensor = new Float32Array(0);
  private readonly packer: ImagePacker;
  private readonly candidates = new FaceCandidates();
  private readonly merger = new CandidateMerger();

  private constructor(readonly engine: FaceEngine) {
    this.packer = new ImagePacker(engine.descriptor);
  }

  static async create(options: NodeDetectorOptions = {}): Promise<NodeDetector> {
    const path = options.model ?? defaultModelPath();
    if (!existsSync(path)) {
      throw new ModelLoadError(
        options.model
          ? `Model file not found: ${path}.`
          : `The default model is not installed at ${path}. Run \`npm install\` (its setup copies it from ` +
              '../shared/models) or pass --model <path.onnx>; see the README, "Models".',
      );
    }
    const bytes = new Uint8Array(await readFile(path));
    ort.env.wasm.numThreads = options.threads ?? 1;
    const engine = await FaceEngine.load(ort, bytes, { descriptor: options.descriptor, source: path });
    return new NodeDetector(engine);
  }

  get descriptor() {
    return this.engine.descriptor;
  }

  async detectImage(image: DecodedImage, options: DetectOptions = {}): Promise<ImageResult> {
    const quality = options.quality ?? 'fast';
    if (quality === 'best') return this.detectImageBest(image, options);
    if (quality !== 'fast') throw new InvalidInputError(`quality must be 'fast' or 'best'; got ${String(quality)}.`);
    const geometry = planGeometry(image, this.engine.descriptor.inputSize, options);
    const t0 = performance.now();
    const fitted = await fitImage(image, geometry);
    const length = tensorLength(geometry);
    if (this.tensor.length < length) this.tensor = new Float32Array(length);
    const tensor = this.packer.pack(fitted, geometry, this.tensor);
    const pack = performance.now() - t0;
    const { faces, timings } = await this.engine.detect(tensor, geometry, options);
    return { faces, geometry, timings: { ...timings, pack } };
  }

  /**
   * Best-quality mode, as a host drives the core: plan the passes, then for each scale resize once and run it
   * unflipped and flipped (the packer mirrors), collecting candidates before NMS; then one merge.
   */
  private async detectImageBest(image: DecodedImage, options: DetectOptions): Promise<ImageResult> {
    const { plan, candidates, largest, timings } = await this.collectCandidates(image, options);
    const t0 = performance.now();
    const faces = this.merger.merge(candidates, plan, options);
    timings.decode += performance.now() - t0;
    return { faces, geometry: largest, tta: plan, timings };
  }

  /**
   * Best-quality mode's passes without the merge: every pass's candidates (before NMS, in source pixels), for
   * `CandidateMerger.merge` (benchmarks merge them more than one way). The candidates are reused by the next call.
   */
  async collectCandidates(image: DecodedImage, options: DetectOptions = {}) {
    if (options.inputSize !== undefined || options.maxInputSize !== undefined) {
      throw new InvalidInputError("inputSize and maxInputSize do not apply to quality 'best'; its sizes come from tta.scales.");
    }
    const { scoreThreshold } = checkDecodeOptions(options);
    const plan = planTestTimeAugmentation(image, this.engine.descriptor.inputSize, { ...options.tta, mirror: options.mirror });
    const timings = { pack: 0, inference: 0, decode: 0 };
    this.candidates.clear();
    let fitted: DecodedImage | null = null;
    let largest = plan.passes[0].geometry;
    for (const pass of plan.passes) {
      const { geometry } = pass;
      const t0 = performance.now();
      if (!fitted || fitted.width !== geometry.contentWidth || fitted.height !== geometry.contentHeight) {
        fitted = await fitImage(image, geometry);
      }
      const length = tensorLength(geometry);
      if (this.tensor.length < length) this.tensor = new Float32Array(length);
      const tensor = this.packer.pack(fitted, geometry, this.tensor, { flip: pass.flip });
      const t1 = performance.now();
      const outputs = await this.engine.infer(tensor, geometry);
      const t2 = performance.now();
      this.engine.collect(outputs, pass, this.candidates, scoreThreshold);
      timings.pack += t1 - t0;
      timings.inference += t2 - t1;
      timings.decode += performance.now() - t2;
      if (length > tensorLength(largest)) largest = geometry;
    }
    return { plan, candidates: this.candidates, largest, timings };
  }

  async detectFile(file: string, options: DetectOptions = {}): Promise<ImageResult & { width: number; height: number }> {
    const image = await decodeImageFile(file);
    const result = await this.detectImage(image, options);
    return { ...result, width: image.width, height: image.height };
  }

  release(): Promise<void> {
    return this.engine.release();
  }
}
