import { generateInsightFaceAnchors, type LevelShape } from './anchors.ts';
import { UnsupportedModelError } from './errors.ts';
import { faceBoxFromCorners, type FamilyDecoder, type RawOutputs } from './family-decoder.ts';
import type { InsightFaceDescriptor } from './model-descriptor.ts';

const f32 = Math.fround;
const clip = (v: number, max: number): number => Math.max(Math.min(v, max), 0);

interface BoundLevel {
  /** Index of this level's first anchor. */
  offset: number;
  /** Cells of the feature map (h·w). */
  cells: number;
  anchorsPerCell: number;
  scores: Float32Array;
  boxes: Float32Array;
  landmarks: Float32Array;
}

const EMPTY = new Float32Array(0);

function sameFeatureMap(t: { dims: readonly number[] }, boxes: { dims: readonly number[] }, stride: number): void {
  if (t.dims[2] !== boxes.dims[2] || t.dims[3] !== boxes.dims[3]) {
    throw new UnsupportedModelError(`Stride ${stride} outputs disagree on the feature map: [${t.dims.join(',')}] vs [${boxes.dims.join(',')}].`);
  }
}

function requireTensor(outputs: RawOutputs, name: string, channels: number) {
  const t = outputs[name];
  if (!t) throw new UnsupportedModelError(`The model did not return the output "${name}".`);
  if (t.dims.length !== 4 || t.dims[0] !== 1 || t.dims[1] !== channels) {
    throw new UnsupportedModelError(`Output "${name}" has shape [${t.dims.join(',')}]; expected [1,${channels},h,w].`);
  }
  return t;
}

/**
 * insightface RetinaFace (spec §1): per-stride outputs, class-major scores (face = channel A + a), deltas
 * (dx, dy, dw, dh) per anchor, +1 box convention in float64, boxes clipped to the input tensor, score `>=`.
 */
export class InsightFaceDecoder implements FamilyDecoder {
  readonly overlap = 'inclusive-pixels';
  readonly maxCandidates = Infinity;
  private readonly corners = new Float32Array(4);
  readonly inclusivePixelBoxes = true;
  private levels: BoundLevel[] = [];
  private anchors: Float32Array = new Float32Array(0);
  private readonly geometry = new Float64Array(4);
  private inputWidth = 0;
  private inputHeight = 0;

  constructor(private readonly descriptor: InsightFaceDescriptor) {}

  /** Feature-map sizes (height, width per level) the anchors were made for; the anchors stay while they do. */
  private shapes: LevelShape[] = [];

  bind(outputs: RawOutputs, inputWidth: number, inputHeight: number): number {
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
    const levels = this.descriptor.levels;
    // The bound levels and shapes are made once and updated in place: nothing is allocated per frame.
    if (this.levels.length !== levels.length) {
      this.levels = levels.map(() => ({ offset: 0, cells: 0, anchorsPerCell: 0, scores: EMPTY, boxes: EMPTY, landmarks: EMPTY }));
      this.shapes = levels.map(() => ({ height: -1, width: -1 }));
    }
    let offset = 0;
    let reshaped = false;
    for (let k = 0; k < levels.length; k++) {
      const level = levels[k];
      const a = level.scales.length;
      const boxes = requireTensor(outputs, level.boxesOutput, 4 * a);
      // Feature-map size comes from the box tensor, as the reference does (spec §A.3).
      const height = boxes.dims[2];
      const width = boxes.dims[3];
      const scores = requireTensor(outputs, level.scoresOutput, 2 * a);
      const landmarks = requireTensor(outputs, level.landmarksOutput, 10 * a);
      sameFeatureMap(scores, boxes, level.stride);
      sameFeatureMap(landmarks, boxes, level.stride);
      const shape = this.shapes[k];
      if (shape.height !== height || shape.width !== width) {
        shape.height = height;
        shape.width = width;
        reshaped = true;
      }
      const bound = this.levels[k];
      bound.offset = offset;
      bound.cells = height * width;
      bound.anchorsPerCell = a;
      bound.scores = scores.data;
      bound.boxes = boxes.data;
      bound.landmarks = landmarks.data;
      offset += bound.cells * a;
    }
    if (reshaped || this.anchors.length === 0) this.anchors = generateInsightFaceAnchors(levels, this.shapes);
    return offset;
  }

  select(threshold: number, indices: Int32Array, scores: Float32Array): number {
    // The references compare float32 scores with the threshold in float32 (numpy casts the Python float).
    const t = f32(threshold);
    let count = 0;
    for (let l = 0; l < this.levels.length; l++) {
      const { offset, cells, anchorsPerCell: a, scores: cls } = this.levels[l];
      const faceChannel = a * cells;
      for (let p = 0; p < cells; p++) {
        for (let k = 0; k < a; k++) {
          const s = cls[faceChannel + k * cells + p];
          if (s >= t) {
            indices[count] = offset + p * a + k;
            scores[count++] = s;
          }
        }
      }
    }
    return count;
  }

  /** Level of anchor n. */
  private levelOf(n: number): BoundLevel {
    const levels = this.levels;
    let level = levels[0];
    for (let l = 1; l < levels.length; l++) if (n >= levels[l].offset) level = levels[l];
    return level;
  }

  /** Index of anchor n's first channel value: channel (k·a_cell + a)·cells + cell, for k = 0. */
  private static channelBase(level: BoundLevel, n: number, valuesPerAnchor: number): number {
    const local = n - level.offset;
    const cell = Math.floor(local / level.anchorsPerCell);
    const anchor = local - cell * level.anchorsPerCell;
    return valuesPerAnchor * anchor * level.cells + cell;
  }

  /**
   * Anchor n's width, height and centre with the +1 convention (spec §A.6), in a reused array (read it by index:
   * destructuring a typed array allocates an iterator per call).
   */
  private anchorGeometry(n: number): Float64Array {
    const an = this.anchors;
    const g = this.geometry;
    g[0] = an[4 * n + 2] - an[4 * n] + 1;
    g[1] = an[4 * n + 3] - an[4 * n + 1] + 1;
    g[2] = an[4 * n] + 0.5 * (g[0] - 1);
    g[3] = an[4 * n + 1] + 0.5 * (g[1] - 1);
    return g;
  }

  box(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void {
    const level = this.levelOf(n);
    const d = level.boxes;
    const base = InsightFaceDecoder.channelBase(level, n, 4);
    const g = this.anchorGeometry(n);
    const aw = g[0];
    const ah = g[1];
    const acx = g[2];
    const acy = g[3];
    const cx = d[base] * aw + acx;
    const cy = d[base + level.cells] * ah + acy;
    // The reference takes exp of the float32 deltas in float32.
    const pw = f32(Math.exp(d[base + 2 * level.cells])) * aw;
    const ph = f32(Math.exp(d[base + 3 * level.cells])) * ah;
    const maxX = this.inputWidth - 1;
    const maxY = this.inputHeight - 1;
    out[o] = clip(cx - 0.5 * (pw - 1), maxX) / scaleX;
    out[o + 1] = clip(cy - 0.5 * (ph - 1), maxY) / scaleY;
    out[o + 2] = clip(cx + 0.5 * (pw - 1), maxX) / scaleX;
    out[o + 3] = clip(cy + 0.5 * (ph - 1), maxY) / scaleY;
  }

  faceBox(n: number, scaleX: number, scaleY: number, out: Float64Array, o: number): void {
    this.box(n, scaleX, scaleY, this.corners, 0);
    faceBoxFromCorners(this.corners, out, o);
  }

  landmarks(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void {
    const level = this.levelOf(n);
    const l = level.landmarks;
    const base = InsightFaceDecoder.channelBase(level, n, 10);
    const g = this.anchorGeometry(n);
    const aw = g[0];
    const ah = g[1];
    const acx = g[2];
    const acy = g[3];
    const std = this.descriptor.landmarkStd;
    for (let k = 0; k < 5; k++) {
      // The reference scales the float32 deltas by the std in float32, then decodes in float64.
      const lx = std === 1 ? l[base + 2 * k * level.cells] : f32(l[base + 2 * k * level.cells] * std);
      const ly = std === 1 ? l[base + (2 * k + 1) * level.cells] : f32(l[base + (2 * k + 1) * level.cells] * std);
      out[o + 2 * k] = (lx * aw + acx) / scaleX;
      out[o + 2 * k + 1] = (ly * ah + acy) / scaleY;
    }
  }
}
