import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import {
  CandidateMerger,
  FaceCandidates,
  ImagePacker,
  ModelLoadError,
  planGeometry,
  planTestTimeAugmentation,
  tensorLength,
  type DescriptorOverrides,
  type Face,
  type InputGeometry,
  type TtaPlan,
} from '../core/index.ts';
import { DEFAULT_MODEL_ID, MODEL_CATALOG, findCatalogModel } from '../models/catalog.ts';
import type { DetectOverrides } from '../options/face-detector-options.ts';
import {
  DEFAULT_DETECT_SETTINGS,
  resolveDescriptorOverrides,
  resolveDetectOverrides,
  resolveNumThreads,
  withFamilyDefaults,
  type DetectSettings,
} from '../options/resolve-options.ts';
import { FaceSession, type SessionTimings } from '../runtime/face-session.ts';
import { chooseThreads, configureOrt } from '../runtime/ort-environment.ts';
import { decodeImageFile, fitImage, type DecodedImage } from './image-file.ts';

/** The project root (two levels above this file in `src/node/` and in `dist/node/`). */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm install` puts a catalog model. */
const catalogModelPath = (id: string): string => `${projectRoot}public/models/${findCatalogModel(id)!.file}`;

/** Where `npm install` puts the default model. */
export const defaultModelPath = (): string => catalogModelPath(DEFAULT_MODEL_ID);

/** A model option as a file path: an existing path as given, else a catalog id's file in `public/models/`. */
function modelPath(model: string | undefined): { path: string; id?: string } {
  if (model === undefined) return { path: defaultModelPath(), id: DEFAULT_MODEL_ID };
  if (!existsSync(model) && findCatalogModel(model)) return { path: catalogModelPath(model), id: model };
  return { path: model };
}

export interface NodeDetectorOptions {
  /**
   * Path of an ONNX model, or the id of a catalog model (`'yunet'`, …) installed in `public/models/`. Defaults to
   * the default model.
   */
  model?: string;
  /** WASM threads (1 to 16, lowered to the machine's cores). Defaults to 1. */
  threads?: number;
  /** Overrides of the detected model description. */
  descriptor?: DescriptorOverrides;
}

/** `detect()`'s options (best-quality mode included: `quality`, `tta`). */
export type NodeDetectOptions = DetectOverrides;

export interface ImageResult {
  faces: Face[];
  /** The tensor's geometry; in best-quality mode that of its largest pass (`tta` lists them all). */
  geometry: InputGeometry;
  /** Best-quality mode only: the passes that ran. */
  tta?: TtaPlan;
  /** ms; in best-quality mode summed over the passes (`pack` includes resizing, `decode` the final merge). */
  timings: SessionTimings & { pack: number };
}

/** The whole pipeline in-process: image → pack → onnxruntime-web (WASM) → decode + NMS. */
export class NodeDetector {
  private tensor = new Float32Array(0);
  private readonly packer: ImagePacker;
  private readonly candidates = new FaceCandidates();
  private readonly merger = new CandidateMerger();

  /** The settings of a call that sets none: the defaults, with the model family's thresholds. */
  private readonly settings: Readonly<DetectSettings>;

  private constructor(readonly session: FaceSession) {
    this.packer = new ImagePacker(session.descriptor);
    this.settings = withFamilyDefaults(DEFAULT_DETECT_SETTINGS, session.descriptor);
  }

  static async create(options: NodeDetectorOptions = {}): Promise<NodeDetector> {
    const { path, id } = modelPath(options.model);
    if (!existsSync(path)) {
      throw new ModelLoadError(
        id
          ? `${options.model === undefined ? 'The default model' : `The model "${id}"`} is not installed at ${path}. Run ` +
              '`npm install` (its setup puts the models into public/models/) or pass --model <path.onnx>; see the README, "Models".'
          : `Model file not found: ${path}. Pass a path or a known model id (${MODEL_CATALOG.map((m) => m.id).join(', ')}).`,
      );
    }
    const descriptor = resolveDescriptorOverrides(options.descriptor);
    const { numThreads } = chooseThreads(resolveNumThreads(options.threads) ?? 1, { isolated: true, cores: availableParallelism() });
    const bytes = new Uint8Array(await readFile(path));
    configureOrt(ort, { numThreads });
    const session = await FaceSession.load(ort, bytes, { descriptor, source: path });
    return new NodeDetector(session);
  }

  get descriptor() {
    return this.session.descriptor;
  }

  async detectImage(image: DecodedImage, options?: NodeDetectOptions): Promise<ImageResult> {
    const settings = resolveDetectOverrides(this.settings, options);
    if (settings.quality === 'best') return this.detectImageBest(image, settings);
    const geometry = planGeometry(image, this.session.descriptor.inputSize, settings);
    const t0 = performance.now();
    const fitted = await fitImage(image, geometry);
    const length = tensorLength(geometry);
    if (this.tensor.length < length) this.tensor = new Float32Array(length);
    const tensor = this.packer.pack(fitted, geometry, this.tensor);
    const pack = performance.now() - t0;
    const { faces, timings } = await this.session.detect(tensor, geometry, settings);
    return { faces, geometry, timings: { ...timings, pack } };
  }

  /**
   * Best-quality mode, as a host drives the core: plan the passes, then for each scale resize once and run it
   * unflipped and flipped (the packer mirrors), collecting candidates before NMS; then one merge.
   */
  private async detectImageBest(image: DecodedImage, resolved: DetectSettings): Promise<ImageResult> {
    const { plan, candidates, largest, timings, settings } = await this.collect(image, resolved);
    const t0 = performance.now();
    const faces = this.merger.merge(candidates, plan, settings);
    timings.decode += performance.now() - t0;
    return { faces, geometry: largest, tta: plan, timings };
  }

  /**
   * Best-quality mode's passes without the merge: every pass's candidates (before NMS, in source pixels), for
   * `CandidateMerger.merge` (benchmarks merge them more than one way). The candidates are reused by the next call.
   */
  collectCandidates(image: DecodedImage, options?: NodeDetectOptions) {
    return this.collect(image, resolveDetectOverrides(this.settings, { ...options, quality: 'best' }));
  }

  private async collect(image: DecodedImage, settings: DetectSettings) {
    const plan = planTestTimeAugmentation(image, this.session.descriptor.inputSize, { ...settings.tta, mirror: settings.mirror });
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
      const outputs = await this.session.infer(tensor, geometry);
      const t2 = performance.now();
      this.session.collect(outputs, pass, this.candidates, settings.scoreThreshold);
      timings.pack += t1 - t0;
      timings.inference += t2 - t1;
      timings.decode += performance.now() - t2;
      if (length > tensorLength(largest)) largest = geometry;
    }
    return { plan, candidates: this.candidates, largest, timings, settings: { iouThreshold: settings.iouThreshold, maxFaces: settings.maxFaces } };
  }

  async detectFile(file: string, options?: NodeDetectOptions): Promise<ImageResult & { width: number; height: number }> {
    const image = await decodeImageFile(file);
    const result = await this.detectImage(image, options);
    return { ...result, width: image.width, height: image.height };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
