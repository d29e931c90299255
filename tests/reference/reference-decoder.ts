/**
 * A deliberately plain RetinaFace decoder, written from `../shared/spec/retinaface.md` only, as the yardstick for
 * the fast decoder in `src/core`. It imports nothing from `src/`: the anchor/prior generation, decode formulas,
 * score tests and NMS below are transcribed from the spec's sections (cited at each step), with plain loops and
 * float64 numbers except where the spec says the upstream code computes in float32.
 *
 * Speed does not matter here; clarity and fidelity to the spec do.
 */

export interface ReferenceTensor {
  data: Float32Array;
  dims: readonly number[];
}
export type ReferenceOutputs = Readonly<Record<string, ReferenceTensor>>;

export interface ReferenceFace {
  /** Corners in source pixels (float32 values, as the upstream result arrays are float32). */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** The face probability as the network returned it (float32). */
  score: number;
  /** x0, y0, ..., x4, y4 in source pixels (float32). */
  landmarks: number[];
}

export interface ReferenceParams {
  family: 'insightface' | 'biubug6';
  /** Size of the tensor fed to the network (W, H in the spec). */
  inputWidth: number;
  inputHeight: number;
  /**
   * Tensor pixels per source pixel, per axis (the spec's `im_scale` / `resize`; separate factors for x and y as
   * in the OMZ stretch mapping). Source coordinate = tensor coordinate / scale.
   */
  scaleX: number;
  scaleY: number;
  scoreThreshold: number;
  /** Defaults to 0.4 (spec §A.8, §B.6). */
  iouThreshold?: number;
  /** insightface only: 1 for net3 models, 0.2 for net3l (spec §A.7). Defaults to 1. */
  landmarkStd?: number;
  /** Keep at most this many faces (the first ones after NMS). Defaults to all. */
  maxFaces?: number;
}

const f32 = Math.fround;

/** numpy's round(): half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---------------------------------------------------------------------------------------------------------------
// Family A — insightface (spec §1)
// ---------------------------------------------------------------------------------------------------------------

/** §A.1: net3 — strides 32, 16, 8 (in that order), base size 16, ratio 1, scales per stride (listed order). */
const NET3: { stride: number; scales: number[] }[] = [
  { stride: 32, scales: [32, 16] },
  { stride: 16, scales: [8, 4] },
  { stride: 8, scales: [2, 1] },
];
const RATIOS = [1.0];
const BASE_SIZE = 16;

/** §A.4 steps 1–3: the base anchors of one stride, `[x1, y1, x2, y2]`, "+1" convention. */
export function referenceBaseAnchors(scales: number[]): number[][] {
  // A window [x1,y1,x2,y2] as (w, h, x_ctr, y_ctr) and back.
  const whctrs = (a: number[]) => {
    const w = a[2] - a[0] + 1;
    const h = a[3] - a[1] + 1;
    return { w, h, cx: a[0] + 0.5 * (w - 1), cy: a[1] + 0.5 * (h - 1) };
  };
  const mkanchor = (w: number, h: number, cx: number, cy: number) => [
    cx - 0.5 * (w - 1),
    cy - 0.5 * (h - 1),
    cx + 0.5 * (w - 1),
    cy + 0.5 * (h - 1),
  ];
  const base = [0, 0, BASE_SIZE - 1, BASE_SIZE - 1];
  const result: number[][] = [];
  for (const r of RATIOS) {
    const { w, h, cx, cy } = whctrs(base);
    const ws = roundHalfEven(Math.sqrt((w * h) / r));
    const hs = roundHalfEven(ws * r);
    const ratioAnchor = mkanchor(ws, hs, cx, cy);
    for (const k of scales) {
      const ra = whctrs(ratioAnchor);
      result.push(mkanchor(ra.w * k, ra.h * k, ra.cx, ra.cy));
    }
  }
  return result;
}

/**
 * §A.4: all anchors for feature maps of the given sizes, flattened as n = (i*w + j)*A + a per stride, strides
 * concatenated 32 → 16 → 8. Returned as float32 (the upstream anchors are a float32 array).
 */
export function referenceInsightFaceAnchors(featureMaps: { h: number; w: number }[]): Float32Array {
  const out: number[] = [];
  NET3.forEach(({ stride, scales }, level) => {
    const base = referenceBaseAnchors(scales);
    const { h, w } = featureMaps[level];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let a = 0; a < base.length; a++) {
          out.push(base[a][0] + j * stride, base[a][1] + i * stride, base[a][2] + j * stride, base[a][3] + i * stride);
        }
      }
    }
  });
  return Float32Array.from(out);
}

interface Candidate {
  /** float32 box corners in source pixels. */
  box: [number, number, number, number];
  score: number;
  landmarks: number[];
}

function insightFaceCandidates(outputs: ReferenceOutputs, p: ReferenceParams): Candidate[] {
  const landmarkStd = p.landmarkStd ?? 1;
  const candidates: Candidate[] = [];
  for (const { stride, scales } of NET3) {
    const A = scales.length;
    // §A.3: identify tensors by name.
    const cls = outputs[`face_rpn_cls_prob_reshape_stride${stride}`];
    const bbox = outputs[`face_rpn_bbox_pred_stride${stride}`];
    const lmk = outputs[`face_rpn_landmark_pred_stride${stride}`];
    if (!cls || !bbox || !lmk) throw new Error(`reference: stride ${stride} outputs missing`);
    // §A.3: feature map size from the bbox tensor's shape.
    const h = bbox.dims[2];
    const w = bbox.dims[3];
    const plane = h * w;
    const base = referenceBaseAnchors(scales);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let a = 0; a < A; a++) {
          // §A.5: class-major scores, face = channel A + a.
          const score = cls.data[(A + a) * plane + i * w + j];
          // §A.8: keep score >= threshold; numpy compares the float32 scores with the threshold in float32.
          if (!(score >= f32(p.scoreThreshold))) continue;
          // §A.4: anchor = base[a] shifted by (j*s, i*s).
          const x1 = base[a][0] + j * stride;
          const y1 = base[a][1] + i * stride;
          const x2 = base[a][2] + j * stride;
          const y2 = base[a][3] + i * stride;
          // §A.6: decode with the +1 convention, float64.
          const aw = x2 - x1 + 1;
          const ah = y2 - y1 + 1;
          const acx = x1 + 0.5 * (aw - 1);
          const acy = y1 + 0.5 * (ah - 1);
          const d = (c: number) => bbox.data[(4 * a + c) * plane + i * w + j];
          const cx = d(0) * aw + acx;
          const cy = d(1) * ah + acy;
          const pw = Math.exp(d(2)) * aw;
          const ph = Math.exp(d(3)) * ah;
          let bx1 = cx - 0.5 * (pw - 1);
          let by1 = cy - 0.5 * (ph - 1);
          let bx2 = cx + 0.5 * (pw - 1);
          let by2 = cy + 0.5 * (ph - 1);
          // §A.6 clipping: to [0, W−1] / [0, H−1] of the network input, before mapping back.
          const clip = (v: number, max: number) => Math.max(Math.min(v, max), 0);
          bx1 = clip(bx1, p.inputWidth - 1);
          bx2 = clip(bx2, p.inputWidth - 1);
          by1 = clip(by1, p.inputHeight - 1);
          by2 = clip(by2, p.inputHeight - 1);
          // §A.2 mapping back: divide by the scale; §6.2: boxes cast to float32 before NMS.
          const box: Candidate['box'] = [f32(bx1 / p.scaleX), f32(by1 / p.scaleY), f32(bx2 / p.scaleX), f32(by2 / p.scaleY)];
          // §A.7: landmarks, same anchor terms, never clipped; result float32.
          const landmarks: number[] = [];
          for (let k = 0; k < 5; k++) {
            const lx = lmk.data[(10 * a + 2 * k) * plane + i * w + j];
            const ly = lmk.data[(10 * a + 2 * k + 1) * plane + i * w + j];
            landmarks.push(f32((lx * landmarkStd * aw + acx) / p.scaleX), f32((ly * landmarkStd * ah + acy) / p.scaleY));
          }
          candidates.push({ box, score, landmarks });
        }
      }
    }
  }
  return candidates;
}

// ---------------------------------------------------------------------------------------------------------------
// Family B — biubug6 (spec §2)
// ---------------------------------------------------------------------------------------------------------------

/** §B.1: steps and min sizes (small first). */
const BIUBUG6 = [
  { step: 8, minSizes: [16, 32] },
  { step: 16, minSizes: [64, 128] },
  { step: 32, minSizes: [256, 512] },
];
const VARIANCE = [0.1, 0.2];

/** §B.4: priors `[cx, cy, w, h]` normalised, float32, for an input tensor of W x H. */
export function referenceBiubug6Priors(W: number, H: number): Float32Array {
  const out: number[] = [];
  for (const { step, minSizes } of BIUBUG6) {
    const fh = Math.ceil(H / step);
    const fw = Math.ceil(W / step);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        for (const m of minSizes) {
          out.push(((j + 0.5) * step) / W, ((i + 0.5) * step) / H, m / W, m / H);
        }
      }
    }
  }
  return Float32Array.from(out);
}

/** §B.2: outputs identified by their last dimension: 4 = loc, 2 = conf, 10 = landms. */
function biubug6Tensors(outputs: ReferenceOutputs) {
  const byLast = (k: number) => {
    const hits = Object.values(outputs).filter((t) => t.dims.length === 3 && t.dims[2] === k);
    if (hits.length !== 1) throw new Error(`reference: expected one output with last dim ${k}`);
    return hits[0];
  };
  return { loc: byLast(4), conf: byLast(2), landms: byLast(10) };
}

function biubug6Candidates(outputs: ReferenceOutputs, p: ReferenceParams): Candidate[] {
  const { loc, conf, landms } = biubug6Tensors(outputs);
  const priors = referenceBiubug6Priors(p.inputWidth, p.inputHeight);
  const N = priors.length / 4;
  if (loc.dims[1] !== N) throw new Error(`reference: ${loc.dims[1]} rows for ${N} priors`);
  const v0 = f32(VARIANCE[0]);
  const v1 = f32(VARIANCE[1]);
  const W = p.inputWidth;
  const H = p.inputHeight;
  // §6.3: every op in float32, in torch's order; then ×W (×H) and / resize.
  const toX = (v: number) => f32(f32(v * W) / p.scaleX);
  const toY = (v: number) => f32(f32(v * H) / p.scaleY);
  const candidates: Candidate[] = [];
  for (let n = 0; n < N; n++) {
    // §B.3: conf[..., 1] = face; §B.6: keep score > threshold (strictly), in float32 as numpy does.
    const score = conf.data[2 * n + 1];
    if (!(score > f32(p.scoreThreshold))) continue;
    const pcx = priors[4 * n];
    const pcy = priors[4 * n + 1];
    const pw = priors[4 * n + 2];
    const ph = priors[4 * n + 3];
    const l = (c: number) => loc.data[4 * n + c];
    // §B.5
    const cx = f32(pcx + f32(f32(l(0) * v0) * pw));
    const cy = f32(pcy + f32(f32(l(1) * v0) * ph));
    const w = f32(pw * f32(Math.exp(f32(l(2) * v1))));
    const h = f32(ph * f32(Math.exp(f32(l(3) * v1))));
    const x1 = f32(cx - f32(w / 2));
    const y1 = f32(cy - f32(h / 2));
    const x2 = f32(x1 + w);
    const y2 = f32(y1 + h);
    const landmarks: number[] = [];
    for (let k = 0; k < 5; k++) {
      const mx = landms.data[10 * n + 2 * k];
      const my = landms.data[10 * n + 2 * k + 1];
      landmarks.push(toX(f32(pcx + f32(f32(mx * v0) * pw))), toY(f32(pcy + f32(f32(my * v0) * ph))));
    }
    candidates.push({ box: [toX(x1), toY(y1), toX(x2), toY(y2)], score, landmarks });
  }
  return candidates;
}

// ---------------------------------------------------------------------------------------------------------------
// NMS (spec §A.8, §B.6, §6.4)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Greedy NMS on float32 boxes with the +1 convention; a box survives while its IoU with every kept box is
 * <= the threshold (compared in float32). Candidates must already be sorted best first.
 */
export function referenceNms(boxes: [number, number, number, number][], iouThreshold: number): number[] {
  const t = f32(iouThreshold);
  const area = boxes.map(([x1, y1, x2, y2]) => f32(f32(f32(x2 - x1) + 1) * f32(f32(y2 - y1) + 1)));
  let order = boxes.map((_, i) => i);
  const keep: number[] = [];
  while (order.length > 0) {
    const i = order[0];
    keep.push(i);
    const rest: number[] = [];
    for (const j of order.slice(1)) {
      const xx1 = Math.max(boxes[i][0], boxes[j][0]);
      const yy1 = Math.max(boxes[i][1], boxes[j][1]);
      const xx2 = Math.min(boxes[i][2], boxes[j][2]);
      const yy2 = Math.min(boxes[i][3], boxes[j][3]);
      const w = Math.max(0, f32(f32(xx2 - xx1) + 1));
      const h = Math.max(0, f32(f32(yy2 - yy1) + 1));
      const inter = f32(w * h);
      const ovr = f32(inter / f32(f32(area[i] + area[j]) - inter));
      if (ovr <= t) rest.push(j);
    }
    order = rest;
  }
  return keep;
}

// ---------------------------------------------------------------------------------------------------------------
// The whole decode
// ---------------------------------------------------------------------------------------------------------------

/**
 * Decodes one run's raw outputs into faces, best first. Candidates are concatenated in anchor order and sorted by
 * score descending with a stable sort (ties keep anchor order, spec §6.4), then NMS at `iouThreshold`.
 */
export function referenceDecode(outputs: ReferenceOutputs, params: ReferenceParams): ReferenceFace[] {
  const candidates = params.family === 'insightface' ? insightFaceCandidates(outputs, params) : biubug6Candidates(outputs, params);
  const sorted = candidates
    .map((c, index) => ({ c, index }))
    .sort((a, b) => (b.c.score !== a.c.score ? b.c.score - a.c.score : a.index - b.index))
    .map(({ c }) => c);
  const keep = referenceNms(
    sorted.map((c) => c.box),
    params.iouThreshold ?? 0.4,
  );
  const faces = keep.map((k) => {
    const c = sorted[k];
    return { x1: c.box[0], y1: c.box[1], x2: c.box[2], y2: c.box[3], score: c.score, landmarks: c.landmarks };
  });
  return params.maxFaces === undefined ? faces : faces.slice(0, params.maxFaces);
}

// ---------------------------------------------------------------------------------------------------------------
// Packing, for end-to-end checks (spec §A.2 / §B.2 and the models' README)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Plain NCHW float32 packing of RGBA pixels placed at the top-left of a `tensorWidth x tensorHeight` tensor, zero
 * elsewhere: value = (pixel − mean[c]) / std[c], with `mean`/`std` in the tensor's channel order.
 */
export function referencePack(
  rgba: Uint8Array,
  width: number,
  height: number,
  tensorWidth: number,
  tensorHeight: number,
  channelOrder: 'BGR' | 'RGB',
  mean: readonly number[] = [0, 0, 0],
  std: readonly number[] = [1, 1, 1],
): Float32Array {
  const out = new Float32Array(3 * tensorWidth * tensorHeight);
  const source = channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = rgba[4 * (y * width + x) + source[c]];
        out[c * tensorWidth * tensorHeight + y * tensorWidth + x] = (v - mean[c]) / std[c];
      }
    }
  }
  return out;
}
