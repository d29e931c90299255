import { UnsupportedModelError } from './errors.ts';
import type { FamilyDecoder, RawOutputs } from './family-decoder.ts';
import type { YuNetDescriptor } from './model-descriptor.ts';

const f32 = Math.fround;

interface BoundLevel {
  stride: number;
  /** Index of this level's first prior. */
  offset: number;
  cols: number;
  cells: number;
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

/**
 * OpenCV Zoo's YuNet, decoded as OpenCV's `FaceDetectorYNImpl::postProcess` does (objdetect `face_detect.cpp`):
 * one prior per cell of each stride's feature map (padW/stride × padH/stride, row-major, strides 8, 16, 32);
 * score = sqrt(clamp(cls)·clamp(obj)); box centre (c + dx, r + dy)·stride, size exp(dw, dh)·stride; landmarks
 * (c + lx, r + ly)·stride. Every step in float32, as OpenCV computes it. NMS is OpenCV's `NMSBoxes` on the
 * boxes truncated to integers (`Rect2i(int(x1), int(y1), int(w), int(h))`), in input-tensor pixels.
 */
export class YuNetDecoder implements FamilyDecoder {
  readonly overlap = 'opencv-rect';
  readonly maxCandidates: number;
  private levels: BoundLevel[] = [];
  /** Prior n's decoded box in input pixels: x1, y1, w, h (float32), reused. */
  private readonly decoded = new Float32Array(4);

  constructor(private readonly descriptor: YuNetDescriptor) {
    this.maxCandidates = descriptor.topK;
  }

  bind(outputs: RawOutputs, inputWidth: number, inputHeight: number): number {
    let offset = 0;
    this.levels = this.descriptor.levels.map((level) => {
      // OpenCV: cols = padW / stride, rows = padH / stride for the tensor padded to a multiple of 32.
      const cols = Math.ceil(inputWidth / level.stride);
      const rows = Math.ceil(inputHeight / level.stride);
      const cells = rows * cols;
      const take = (name: string, width: number): Float32Array => {
        const t = outputs[name];
        if (!t) throw new UnsupportedModelError(`The model did not return the output "${name}".`);
        if (t.dims.length !== 3 || t.dims[0] !== 1 || t.dims[1] !== cells || t.dims[2] !== width) {
          throw new UnsupportedModelError(
            `Output "${name}" has shape [${t.dims.join(',')}]; a ${inputWidth}x${inputHeight} input has ${rows}x${cols} ` +
              `cells at stride ${level.stride}, so [1,${cells},${width}] was expected.`,
          );
        }
        return t.data;
      };
      const bound = {
        stride: level.stride,
        offset,
        cols,
        cells,
        cls: take(level.clsOutput, 1),
        obj: take(level.objOutput, 1),
        bbox: take(level.bboxOutput, 4),
        kps: take(level.kpsOutput, 10),
      };
      offset += cells;
      return bound;
    });
    return offset;
  }

  /**
   * OpenCV's two score tests: `postProcess` skips `score < threshold`; then, only when more than one face is
   * left, `NMSBoxes` keeps `score > threshold` (`GetMaxScoreIndex`). Both in float32.
   */
  select(threshold: number, indices: Int32Array, scores: Float32Array): number {
    const t = f32(threshold);
    let count = 0;
    for (let l = 0; l < this.levels.length; l++) {
      const { offset, cells, cls, obj } = this.levels[l];
      for (let idx = 0; idx < cells; idx++) {
        // MIN(v, 1.f) then MAX(v, 0.f).
        const c = Math.max(Math.min(cls[idx], 1), 0);
        const o = Math.max(Math.min(obj[idx], 1), 0);
        const score = f32(Math.sqrt(f32(c * o)));
        if (score < t) continue;
        indices[count] = offset + idx;
        scores[count++] = score;
      }
    }
    if (count <= 1) return count;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      if (scores[k] > t) {
        indices[kept] = indices[k];
        scores[kept++] = scores[k];
      }
    }
    return kept;
  }

  /** Prior n's cell: its index in its level, row and column (set by `locate`, reused). */
  private idx = 0;
  private row = 0;
  private col = 0;

  /** The level of prior n; sets its cell. */
  private locate(n: number): BoundLevel {
    const levels = this.levels;
    let level = levels[0];
    for (let l = 1; l < levels.length; l++) if (n >= levels[l].offset) level = levels[l];
    this.idx = n - level.offset;
    this.row = Math.floor(this.idx / level.cols);
    this.col = this.idx - this.row * level.cols;
    return level;
  }

  /** Prior n's box as `postProcess` computes it: x1, y1, w, h in input pixels, float32. */
  private decode(n: number): Float32Array {
    const level = this.locate(n);
    const { idx, row: r, col: c } = this;
    const s = level.stride;
    const b = level.bbox;
    const cx = f32(f32(c + b[4 * idx]) * s);
    const cy = f32(f32(r + b[4 * idx + 1]) * s);
    const w = f32(f32(Math.exp(b[4 * idx + 2])) * s);
    const h = f32(f32(Math.exp(b[4 * idx + 3])) * s);
    const out = this.decoded;
    out[0] = f32(cx - f32(w / 2));
    out[1] = f32(cy - f32(h / 2));
    out[2] = w;
    out[3] = h;
    return out;
  }

  // The decoded box is read by index, not destructured: a typed array's iterator is allocated per call.
  box(n: number, _scaleX: number, _scaleY: number, out: Float32Array, o: number): void {
    const d = this.decode(n);
    // Rect2i(int(x1), int(y1), int(w), int(h)), as corners.
    const x = Math.trunc(d[0]);
    const y = Math.trunc(d[1]);
    out[o] = x;
    out[o + 1] = y;
    out[o + 2] = x + Math.trunc(d[2]);
    out[o + 3] = y + Math.trunc(d[3]);
  }

  faceBox(n: number, scaleX: number, scaleY: number, out: Float64Array, o: number): void {
    const d = this.decode(n);
    out[o] = f32(d[0] / scaleX);
    out[o + 1] = f32(d[1] / scaleY);
    out[o + 2] = f32(d[2] / scaleX);
    out[o + 3] = f32(d[3] / scaleY);
  }

  landmarks(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void {
    const level = this.locate(n);
    const { idx, row: r, col: c } = this;
    const s = level.stride;
    const k = level.kps;
    for (let p = 0; p < 5; p++) {
      out[o + 2 * p] = f32(f32(f32(k[10 * idx + 2 * p] + c) * s) / scaleX);
      out[o + 2 * p + 1] = f32(f32(f32(k[10 * idx + 2 * p + 1] + r) * s) / scaleY);
    }
  }
}
