import { describeModel, type Biubug6Descriptor, type InputGeometry, type InsightFaceDescriptor, type RawTensor, type YuNetDescriptor } from '../../src/core/index.ts';
import { encodeOnnx } from '../../src/convert/onnx/onnx-io.ts';
import { DataType } from '../../src/convert/onnx/onnx-model.ts';

/**
 * Small hand-made model outputs: all zeros (score 0, background 1) except the anchors a test sets, so that a
 * chosen anchor carries the deltas of a worked example.
 */

/** A tensor geometry of a w x h source run at its own size (no scaling, no padding); `extra` overrides. */
export const unscaledGeometry = (w: number, h: number, extra: Partial<InputGeometry> = {}): InputGeometry => ({
  sourceWidth: w,
  sourceHeight: h,
  contentWidth: w,
  contentHeight: h,
  inputWidth: w,
  inputHeight: h,
  mirror: false,
  ...extra,
});

const STRIDES = [32, 16, 8] as const;
const A = 2;

export const insightFaceOutputNames = (stride: number) => ({
  scores: `face_rpn_cls_prob_reshape_stride${stride}`,
  boxes: `face_rpn_bbox_pred_stride${stride}`,
  landmarks: `face_rpn_landmark_pred_stride${stride}`,
});

/** The descriptor `describeModel` gives for an insightface model with the released output names. */
export function insightFaceDescriptor(width = 640, height = 640, landmarkStd?: number): InsightFaceDescriptor {
  const outputs = STRIDES.flatMap((s) => {
    const n = insightFaceOutputNames(s);
    const [h, w] = [Math.ceil(height / s), Math.ceil(width / s)];
    return [
      { name: n.scores, shape: [1, 2 * A, h, w] },
      { name: n.boxes, shape: [1, 4 * A, h, w] },
      { name: n.landmarks, shape: [1, 10 * A, h, w] },
    ];
  });
  const d = describeModel(
    { inputs: [{ name: 'data', shape: [1, 3, height, width] }], outputs },
    landmarkStd === undefined ? {} : { landmarkStd },
  );
  if (d.family !== 'insightface') throw new Error('expected insightface');
  return d;
}

export interface AnchorValues {
  /** Face probability; the background channel gets 1 − score. */
  score?: number;
  /** Background probability, when a test wants it independent of the face channel. */
  background?: number;
  /** (dx, dy, dw, dh). */
  deltas?: readonly number[];
  /** 10 landmark deltas. */
  landmarks?: readonly number[];
}

/** Zeroed insightface outputs for an input of W x H (feature maps ceil(H/s) x ceil(W/s)). */
export class InsightFaceOutputs {
  readonly outputs: Record<string, RawTensor> = {};

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    for (const s of STRIDES) {
      const n = insightFaceOutputNames(s);
      const [h, w] = [Math.ceil(height / s), Math.ceil(width / s)];
      const scores = new Float32Array(2 * A * h * w);
      scores.fill(1, 0, A * h * w); // background channels 0..A-1
      this.outputs[n.scores] = { data: scores, dims: [1, 2 * A, h, w] };
      this.outputs[n.boxes] = { data: new Float32Array(4 * A * h * w), dims: [1, 4 * A, h, w] };
      this.outputs[n.landmarks] = { data: new Float32Array(10 * A * h * w), dims: [1, 10 * A, h, w] };
    }
  }

  /** Sets anchor a of cell (row i, column j) at `stride`, writing NCHW channels as spec §A.5–A.7 lay them out. */
  set(stride: number, i: number, j: number, a: number, v: AnchorValues): this {
    const n = insightFaceOutputNames(stride);
    const [, , h, w] = this.outputs[n.scores].dims;
    if (i >= h || j >= w || a >= A) throw new Error('cell out of range');
    const plane = h * w;
    const at = (channel: number) => channel * plane + i * w + j;
    if (v.score !== undefined) {
      this.outputs[n.scores].data[at(A + a)] = v.score;
      this.outputs[n.scores].data[at(a)] = v.background ?? 1 - v.score;
    } else if (v.background !== undefined) {
      this.outputs[n.scores].data[at(a)] = v.background;
    }
    v.deltas?.forEach((d, c) => (this.outputs[n.boxes].data[at(4 * a + c)] = d));
    v.landmarks?.forEach((d, c) => (this.outputs[n.landmarks].data[at(10 * a + c)] = d));
    return this;
  }
}

/** The descriptor `describeModel` gives for a biubug6 model with numeric output names (as FaceDetector-640). */
export function biubug6Descriptor(width = 640, height = 640): Biubug6Descriptor {
  const d = describeModel({
    inputs: [{ name: 'input0', shape: [1, 3, height, width] }],
    outputs: [
      { name: 'output0', shape: [1, 'N', 4] },
      { name: '593', shape: [1, 'N', 2] },
      { name: '592', shape: [1, 'N', 10] },
    ],
  });
  if (d.family !== 'biubug6') throw new Error('expected biubug6');
  return d;
}

/** Number of biubug6 priors for a W x H input (spec §B.4). */
export const biubug6PriorCount = (width: number, height: number): number =>
  [8, 16, 32].reduce((sum, s) => sum + 2 * Math.ceil(height / s) * Math.ceil(width / s), 0);

/** Zeroed biubug6 outputs (`output0` loc, `593` conf, `592` landms) for an input of W x H. */
export class Biubug6Outputs {
  readonly outputs: Record<string, RawTensor>;
  readonly count: number;

  constructor(width: number, height: number) {
    const n = biubug6PriorCount(width, height);
    this.count = n;
    const conf = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) conf[2 * k] = 1;
    this.outputs = {
      output0: { data: new Float32Array(4 * n), dims: [1, n, 4] },
      '593': { data: conf, dims: [1, n, 2] },
      '592': { data: new Float32Array(10 * n), dims: [1, n, 10] },
    };
  }

  /** Sets prior n: conf row [1 − score, score], loc row, landms row. */
  set(n: number, v: AnchorValues): this {
    if (v.score !== undefined) {
      this.outputs['593'].data[2 * n + 1] = v.score;
      this.outputs['593'].data[2 * n] = v.background ?? 1 - v.score;
    }
    v.deltas?.forEach((d, c) => (this.outputs.output0.data[4 * n + c] = d));
    v.landmarks?.forEach((d, c) => (this.outputs['592'].data[10 * n + c] = d));
    return this;
  }
}

/**
 * A real ONNX model that is no face detector: an image classifier's head without weights, input `image`
 * [1,3,H,W] → GlobalAveragePool → Flatten → `logits` [1,3]. onnxruntime loads and runs it.
 */
export function tinyClassifierOnnx(): Uint8Array {
  return encodeOnnx({
    irVersion: 7,
    opset: 13,
    producerName: 'retinaface-web tests',
    producerVersion: '1',
    docString: 'not a face model',
    metadata: {},
    graph: {
      name: 'tiny-classifier',
      nodes: [
        { opType: 'GlobalAveragePool', name: 'pool', inputs: ['image'], outputs: ['pooled'], attributes: [] },
        { opType: 'Flatten', name: 'flatten', inputs: ['pooled'], outputs: ['logits'], attributes: [] },
      ],
      initializers: [],
      inputs: [{ name: 'image', elemType: DataType.FLOAT, shape: [1, 3, 'height', 'width'] }],
      outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: [1, 3] }],
    },
  });
}

const YUNET_STRIDES = [8, 16, 32] as const;

/** The outputs of a YuNet model as its session reports them (OpenCV Zoo's names, dynamic prior count). */
export function yunetModelOutputs(): { name: string; shape: (number | string)[] }[] {
  return (['cls', 'obj', 'bbox', 'kps'] as const).flatMap((kind) =>
    YUNET_STRIDES.map((s) => ({ name: `${kind}_${s}`, shape: [1, 'anchors', { cls: 1, obj: 1, bbox: 4, kps: 10 }[kind]] })),
  );
}

/** The descriptor `describeModel` gives for a YuNet model with OpenCV Zoo's output names. */
export function yunetDescriptor(topK?: number): YuNetDescriptor {
  const d = describeModel({ inputs: [{ name: 'input', shape: [1, 3, 'height', 'width'] }], outputs: yunetModelOutputs() }, topK === undefined ? {} : { topK });
  if (d.family !== 'yunet') throw new Error('expected yunet');
  return d;
}

export interface YuNetPriorValues {
  /** The raw `cls` and `obj` outputs (OpenCV clamps both to [0, 1]; score = sqrt(cls·obj)). */
  cls?: number;
  obj?: number;
  /** (dx, dy, dw, dh) in strides. */
  bbox?: readonly number[];
  /** 10 landmark offsets in strides. */
  kps?: readonly number[];
}

/** Zeroed YuNet outputs for an input of W x H (a multiple of 32): priors (H/s)·(W/s) per stride, row-major. */
export class YuNetOutputs {
  readonly outputs: Record<string, RawTensor> = {};

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    for (const s of YUNET_STRIDES) {
      const n = (height / s) * (width / s);
      this.outputs[`cls_${s}`] = { data: new Float32Array(n), dims: [1, n, 1] };
      this.outputs[`obj_${s}`] = { data: new Float32Array(n), dims: [1, n, 1] };
      this.outputs[`bbox_${s}`] = { data: new Float32Array(4 * n), dims: [1, n, 4] };
      this.outputs[`kps_${s}`] = { data: new Float32Array(10 * n), dims: [1, n, 10] };
    }
  }

  /** Sets the prior of cell (row r, column c) at `stride`. */
  set(stride: number, r: number, c: number, v: YuNetPriorValues): this {
    const cols = this.width / stride;
    if (r >= this.height / stride || c >= cols) throw new Error('cell out of range');
    const idx = r * cols + c;
    if (v.cls !== undefined) this.outputs[`cls_${stride}`].data[idx] = v.cls;
    if (v.obj !== undefined) this.outputs[`obj_${stride}`].data[idx] = v.obj;
    v.bbox?.forEach((d, k) => (this.outputs[`bbox_${stride}`].data[4 * idx + k] = d));
    v.kps?.forEach((d, k) => (this.outputs[`kps_${stride}`].data[10 * idx + k] = d));
    return this;
  }
}
