import { UnsupportedModelError } from './errors.ts';

/**
 * `insightface`: 9 per-stride outputs, pixel anchors (spec §1). `biubug6`: loc/conf/landms over priors (spec §2).
 * `yunet`: OpenCV Zoo's YuNet, cls/obj/bbox/kps per stride, one prior per cell (OpenCV's `FaceDetectorYN`).
 */
export type ModelFamily = 'insightface' | 'biubug6' | 'yunet';
export type ChannelOrder = 'BGR' | 'RGB';
export type Triple = readonly [number, number, number];

export interface Size {
  width: number;
  height: number;
}

/** One FPN level of an insightface model: its stride, anchor scales (in list order) and its three outputs. */
export interface InsightFaceLevel {
  stride: number;
  /** Anchor scales of base size 16, in the order the anchors are laid out (large first for `net3`). */
  scales: readonly number[];
  scoresOutput: string;
  boxesOutput: string;
  landmarksOutput: string;
}

/** One prior level of a biubug6 model: its step and the prior sizes in pixels (small first). */
export interface Biubug6Level {
  stride: number;
  minSizes: readonly number[];
}

/** One stride of a YuNet model: its four outputs, each [1, rows·cols, k] with k = 1, 1, 4, 10. */
export interface YuNetLevel {
  stride: number;
  clsOutput: string;
  objOutput: string;
  bboxOutput: string;
  kpsOutput: string;
}

/** Thresholds a family's users expect when a call gives none. */
export interface DecodeDefaults {
  scoreThreshold: number;
  iouThreshold: number;
}

interface DescriptorBase {
  inputName: string;
  /** Fixed input size, or `null` when height and width are dynamic. */
  inputSize: Size | null;
  /** Order of the tensor's three channels. */
  channelOrder: ChannelOrder;
  /** Per-channel mean, in the tensor's channel order: value = (pixel − mean) / std. */
  mean: Triple;
  /** Per-channel std, in the tensor's channel order. */
  std: Triple;
}

export interface InsightFaceDescriptor extends DescriptorBase {
  family: 'insightface';
  /** 1 for the released R50 and mnet.25 (`net3`), 0.2 for `retinaface_mnet025_v2` (`net3l`). */
  landmarkStd: number;
  /** Levels in output order (strides 32, 16, 8 for the released models). */
  levels: readonly InsightFaceLevel[];
}

export interface Biubug6Descriptor extends DescriptorBase {
  family: 'biubug6';
  /** Levels in prior order (steps 8, 16, 32). */
  levels: readonly Biubug6Level[];
  /** Box/landmark variances (centre, size). */
  variance: readonly [number, number];
  outputs: { boxes: string; scores: string; landmarks: string };
}

export interface YuNetDescriptor extends DescriptorBase {
  family: 'yunet';
  /** Levels in OpenCV's order (strides 8, 16, 32). */
  levels: readonly YuNetLevel[];
  /** At most this many candidates, best first, enter NMS (OpenCV's `top_k`). */
  topK: number;
  /** What `FaceDetectorYN::create` defaults to: score 0.9, NMS 0.3 (used when a call sets neither). */
  decodeDefaults: DecodeDefaults;
}

export type ModelDescriptor = InsightFaceDescriptor | Biubug6Descriptor | YuNetDescriptor;

/**
 * Caller overrides of what `describeModel` detects. Every field defaults to what the session reports or to the
 * family's published settings; level lists and output names are replaced as a whole.
 */
export interface DescriptorOverrides {
  /** Force a family instead of detecting it. */
  family?: ModelFamily;
  inputName?: string;
  /** Force a fixed input size (or `null` for dynamic). */
  inputSize?: Size | null;
  /** Defaults to `'BGR'` for every family (`'RGB'` for insightface's unflipped conversion). */
  channelOrder?: ChannelOrder;
  /** Defaults to [0,0,0] (insightface, yunet) or [104,117,123] (biubug6), in the tensor's channel order. */
  mean?: Triple;
  /** Defaults to [1,1,1]. */
  std?: Triple;
  /** insightface only. Defaults to 1; 0.2 for `retinaface_mnet025_v2`. */
  landmarkStd?: number;
  /** insightface only. Defaults to strides 32/16/8 with scales (32,16)/(8,4)/(2,1) and the released names. */
  insightFaceLevels?: readonly InsightFaceLevel[];
  /** biubug6 only. Defaults to steps 8/16/32 with min sizes (16,32)/(64,128)/(256,512). */
  biubug6Levels?: readonly Biubug6Level[];
  /** biubug6 only. Defaults to [0.1, 0.2]. */
  variance?: readonly [number, number];
  /** biubug6 only. Defaults to the outputs whose last dimension is 4, 2 and 10. */
  outputs?: Biubug6Descriptor['outputs'];
  /** yunet only. Defaults to strides 8/16/32 with outputs `cls_8`, `obj_8`, `bbox_8`, `kps_8`, … */
  yunetLevels?: readonly YuNetLevel[];
  /** yunet only. Defaults to 5000 (OpenCV's `top_k`); Infinity lets every candidate into NMS. */
  topK?: number;
}

/** What a session says about one of its inputs or outputs (onnxruntime's `ValueMetadata`, reduced). */
export interface TensorInfo {
  name: string;
  /** Dimensions: numbers when fixed, a symbolic name (or null) when dynamic. */
  shape: readonly (number | string | null)[];
}

export interface ModelIO {
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
}

export const INSIGHTFACE_STRIDES = [32, 16, 8] as const;
const INSIGHTFACE_SCALES: Record<number, readonly number[]> = { 32: [32, 16], 16: [8, 4], 8: [2, 1] };
export const INSIGHTFACE_BASE_SIZE = 16;

export function insightFaceLevels(): InsightFaceLevel[] {
  return INSIGHTFACE_STRIDES.map((stride) => ({
    stride,
    scales: INSIGHTFACE_SCALES[stride],
    scoresOutput: `face_rpn_cls_prob_reshape_stride${stride}`,
    boxesOutput: `face_rpn_bbox_pred_stride${stride}`,
    landmarksOutput: `face_rpn_landmark_pred_stride${stride}`,
  }));
}

export function biubug6Levels(): Biubug6Level[] {
  return [
    { stride: 8, minSizes: [16, 32] },
    { stride: 16, minSizes: [64, 128] },
    { stride: 32, minSizes: [256, 512] },
  ];
}

export const YUNET_STRIDES = [8, 16, 32] as const;
/** `FaceDetectorYN::create`'s defaults (OpenCV, objdetect `face.hpp`): score 0.9, NMS 0.3, top_k 5000. */
export const YUNET_DECODE_DEFAULTS: DecodeDefaults = { scoreThreshold: 0.9, iouThreshold: 0.3 };
export const YUNET_TOP_K = 5000;

/** The output names OpenCV's `FaceDetectorYN::detect` asks the network for. */
export function yunetLevels(): YuNetLevel[] {
  return YUNET_STRIDES.map((stride) => ({
    stride,
    clsOutput: `cls_${stride}`,
    objOutput: `obj_${stride}`,
    bboxOutput: `bbox_${stride}`,
    kpsOutput: `kps_${stride}`,
  }));
}

const dimText = (d: number | string | null) => (typeof d === 'number' ? String(d) : (d ?? '?'));
const shapeText = (t: TensorInfo) => `${t.name} [${t.shape.map(dimText).join(',')}]`;

function readInput(io: ModelIO): Pick<DescriptorBase, 'inputName' | 'inputSize'> {
  if (io.inputs.length !== 1) {
    throw new UnsupportedModelError(
      `Expected a model with one image input [1,3,H,W]; found ${io.inputs.length} inputs: ` +
        `${io.inputs.map(shapeText).join('; ') || 'none'}.`,
    );
  }
  const input = io.inputs[0];
  const [, channels, height, width] = input.shape;
  if (input.shape.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
    throw new UnsupportedModelError(
      `Expected the image input as [1,3,H,W] (NCHW, 3 channels); found ${shapeText(input)}.`,
    );
  }
  const fixed = typeof height === 'number' && height > 0 && typeof width === 'number' && width > 0;
  return { inputName: input.name, inputSize: fixed ? { width, height } : null };
}

function lastDim(t: TensorInfo): number | undefined {
  const d = t.shape[t.shape.length - 1];
  return typeof d === 'number' ? d : undefined;
}

function findBiubug6Outputs(io: ModelIO): Biubug6Descriptor['outputs'] | null {
  const byLastDim = (n: number) => io.outputs.filter((o) => o.shape.length === 3 && lastDim(o) === n);
  const [boxes, scores, landmarks] = [byLastDim(4), byLastDim(2), byLastDim(10)];
  if (io.outputs.length !== 3 || boxes.length !== 1 || scores.length !== 1 || landmarks.length !== 1) return null;
  return { boxes: boxes[0].name, scores: scores[0].name, landmarks: landmarks[0].name };
}

function describeFailure(io: ModelIO, family?: ModelFamily): UnsupportedModelError {
  const found = io.outputs.map(shapeText).join('; ') || 'none';
  const insightface = 'the 9 insightface outputs face_rpn_{cls_prob_reshape,bbox_pred,landmark_pred}_stride{32,16,8}';
  const biubug6 = 'the 3 biubug6 outputs loc [1,N,4], conf [1,N,2], landms [1,N,10] (identified by their last dimension)';
  const yunet = 'the 12 YuNet outputs {cls,obj}_{8,16,32} [1,N,1], bbox_{8,16,32} [1,N,4], kps_{8,16,32} [1,N,10]';
  const expected =
    family === 'biubug6' ? biubug6 : family === 'insightface' ? insightface : family === 'yunet' ? yunet : `${insightface}, ${biubug6} or ${yunet}`;
  return new UnsupportedModelError(
    `Not a face model this detector can decode (RetinaFace or YuNet): expected ${expected}; found ${io.outputs.length} ` +
      `outputs: ${found}. If this is an export of one of them with other output names, pass them as overrides.`,
  );
}

function checkInsightFaceOutputs(io: ModelIO, levels: readonly InsightFaceLevel[]): boolean {
  const byName = new Map(io.outputs.map((o) => [o.name, o]));
  return levels.every((level) => {
    const anchors = level.scales.length;
    const expect: [string, number][] = [
      [level.scoresOutput, 2 * anchors],
      [level.boxesOutput, 4 * anchors],
      [level.landmarksOutput, 10 * anchors],
    ];
    return expect.every(([name, channels]) => {
      const out = byName.get(name);
      if (!out || out.shape.length !== 4) return false;
      const c = out.shape[1];
      return typeof c !== 'number' || c === channels;
    });
  });
}

/** Every YuNet output is there by name, rank 3, with its last dimension (when fixed) 1, 1, 4 and 10. */
function checkYuNetOutputs(io: ModelIO, levels: readonly YuNetLevel[]): boolean {
  const byName = new Map(io.outputs.map((o) => [o.name, o]));
  return levels.every((level) =>
    ([
      [level.clsOutput, 1],
      [level.objOutput, 1],
      [level.bboxOutput, 4],
      [level.kpsOutput, 10],
    ] as const).every(([name, last]) => {
      const out = byName.get(name);
      if (!out || out.shape.length !== 3) return false;
      const d = lastDim(out);
      return d === undefined || d === last;
    }),
  );
}

/**
 * Describes a face model from what its session reports: family, input name and size, and the family's defaults
 * (BGR; insightface and yunet raw 0..255, biubug6 minus (104,117,123)). Every field can be overridden.
 * Throws `UnsupportedModelError` for a model of no known family.
 */
export function describeModel(io: ModelIO, overrides: DescriptorOverrides = {}): ModelDescriptor {
  const { family: wantedFamily, ...fields } = overrides;
  const detected = readInput(io);
  const input = {
    inputName: fields.inputName ?? detected.inputName,
    inputSize: fields.inputSize !== undefined ? fields.inputSize : detected.inputSize,
  };

  if (wantedFamily === undefined || wantedFamily === 'yunet') {
    const levels = fields.yunetLevels ?? yunetLevels();
    if (checkYuNetOutputs(io, levels)) {
      // OpenCV feeds `blobFromImage(padded)`: scale 1, no mean, swapRB false, so the BGR pixels as they are.
      return {
        family: 'yunet',
        ...input,
        channelOrder: fields.channelOrder ?? 'BGR',
        mean: fields.mean ?? [0, 0, 0],
        std: fields.std ?? [1, 1, 1],
        levels,
        topK: fields.topK ?? YUNET_TOP_K,
        decodeDefaults: { ...YUNET_DECODE_DEFAULTS },
      };
    }
    if (wantedFamily === 'yunet') throw describeFailure(io, 'yunet');
  }

  if (wantedFamily !== 'biubug6') {
    const levels = fields.insightFaceLevels ?? insightFaceLevels();
    if (checkInsightFaceOutputs(io, levels)) {
      return {
        family: 'insightface',
        ...input,
        channelOrder: fields.channelOrder ?? 'BGR',
        mean: fields.mean ?? [0, 0, 0],
        std: fields.std ?? [1, 1, 1],
        landmarkStd: fields.landmarkStd ?? 1,
        levels,
      };
    }
    if (wantedFamily === 'insightface') throw describeFailure(io, 'insightface');
  }

  const outputs = fields.outputs ?? findBiubug6Outputs(io);
  if (outputs && [outputs.boxes, outputs.scores, outputs.landmarks].every((n) => io.outputs.some((o) => o.name === n))) {
    const levels = fields.biubug6Levels ?? biubug6Levels();
    return {
      family: 'biubug6',
      ...input,
      channelOrder: fields.channelOrder ?? 'BGR',
      mean: fields.mean ?? [104, 117, 123],
      std: fields.std ?? [1, 1, 1],
      levels,
      variance: fields.variance ?? [0.1, 0.2],
      outputs,
    };
  }
  throw describeFailure(io, wantedFamily);
}

/** Anchors per cell of an insightface level (one ratio, so one per scale). */
export const anchorsPerCell = (level: InsightFaceLevel): number => level.scales.length;
