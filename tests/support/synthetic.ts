import { describeModel, type Biubug6Descriptor, type InsightFaceDescriptor, type RawTensor } from '../../src/core/index.ts';

/**
 * Small hand-made model outputs: all zeros (score 0, background 1) except the anchors a test sets, so that a
 * chosen anchor carries the deltas of a worked example.
 */

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
