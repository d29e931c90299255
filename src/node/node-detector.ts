import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import {
  ImagePacker,
  ModelLoadError,
  planGeometry,
  tensorLength,
  type DecodeOptions,
  type DescriptorOverrides,
  type Face,
  type GeometryOptions,
  type InputGeometry,
} from '../core/index.ts';
import { DEFAULT_MODEL_ID, MODEL_CATALOG, findCatalogModel } from '../models/catalog.ts';
import { FaceEngine, type EngineTimings } from '../runtime/face-session.ts';
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
  /** WASM threads. Defaults to 1. */
  threads?: number;
  /** Overrides of the detected model description. */
  descriptor?: DescriptorOverrides;
}

export type DetectOptions = DecodeOptions & GeometryOptions;

export interface ImageResult {
  faces: Face[];
  geometry: InputGeometry;
  timings: EngineTimings & { pack: number };
}

/** The whole pipeline in-process: image → pack → onnxruntime-web (WASM) → decode + NMS. */
export class NodeDetector {
  private tensor = new Float32Array(0);
  private readonly packer: ImagePacker;

  private constructor(readonly engine: FaceEngine) {
    this.packer = new ImagePacker(engine.descriptor);
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
    const bytes = new Uint8Array(await readFile(path));
    ort.env.wasm.numThreads = options.threads ?? 1;
    const engine = await FaceEngine.load(ort, bytes, { descriptor: options.descriptor, source: path });
    return new NodeDetector(engine);
  }

  get descriptor() {
    return this.engine.descriptor;
  }

  async detectImage(image: DecodedImage, options: DetectOptions = {}): Promise<ImageResult> {
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

  async detectFile(file: string, options: DetectOptions = {}): Promise<ImageResult & { width: number; height: number }> {
    const image = await decodeImageFile(file);
    const result = await this.detectImage(image, options);
    return { ...result, width: image.width, height: image.height };
  }

  release(): Promise<void> {
    return this.engine.release();
  }
}
