import { generateBiubug6Priors } from './anchors.ts';
import { UnsupportedModelError } from './errors.ts';
import { faceBoxFromCorners, type FamilyDecoder, type RawOutputs } from './family-decoder.ts';
import type { Biubug6Descriptor } from './model-descriptor.ts';

const f32 = Math.fround;

/**
 * biubug6/Pytorch_Retinaface (spec §2): loc/conf/landms over normalised priors, variances (0.1, 0.2), no +1,
 * no clipping, score `>`. The reference computes in float32 (torch), so every step is rounded to float32 in the
 * reference's order of operations.
 */
export class Biubug6Decoder implements FamilyDecoder {
  readonly overlap = 'inclusive-pixels';
  readonly maxCandidates = Infinity;
  private readonly corners = new Float32Array(4);
  private priors: Float32Array = new Float32Array(0);
  private loc: Float32Array = new Float32Array(0);
  private conf: Float32Array = new Float32Array(0);
  private landms: Float32Array = new Float32Array(0);
  private inputWidth = 0;
  private inputHeight = 0;
  private readonly v0: number;
  private readonly v1: number;

  constructor(private readonly descriptor: Biubug6Descriptor) {
    this.v0 = f32(descriptor.variance[0]);
    this.v1 = f32(descriptor.variance[1]);
  }

  bind(outputs: RawOutputs, inputWidth: number, inputHeight: number): number {
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
    this.priors = generateBiubug6Priors(this.descriptor.levels, inputWidth, inputHeight);
    const count = this.priors.length / 4;
    const take = (name: string, width: number): Float32Array => {
      const t = outputs[name];
      if (!t) throw new UnsupportedModelError(`The model did not return the output "${name}".`);
      if (t.dims.length !== 3 || t.dims[0] !== 1 || t.dims[1] !== count || t.dims[2] !== width) {
        throw new UnsupportedModelError(
          `Output "${name}" has shape [${t.dims.join(',')}]; a ${inputWidth}x${inputHeight} input has ${count} ` +
            `priors, so [1,${count},${width}] was expected.`,
        );
      }
      return t.data;
    };
    const { boxes, scores, landmarks } = this.descriptor.outputs;
    this.loc = take(boxes, 4);
    this.conf = take(scores, 2);
    this.landms = take(landmarks, 10);
    return count;
  }

  select(threshold: number, indices: Int32Array, scores: Float32Array): number {
    const conf = this.conf;
    const n = conf.length / 2;
    // The reference compares float32 scores with the threshold in float32 (numpy casts the Python float).
    const t = f32(threshold);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const s = conf[2 * i + 1];
      if (s > t) {
        indices[count] = i;
        scores[count++] = s;
      }
    }
    return count;
  }

  box(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void {
    const p = this.priors;
    const l = this.loc;
    const pw = p[4 * n + 2];
    const ph = p[4 * n + 3];
    const cx = f32(p[4 * n] + f32(f32(l[4 * n] * this.v0) * pw));
    const cy = f32(p[4 * n + 1] + f32(f32(l[4 * n + 1] * this.v0) * ph));
    const w = f32(pw * f32(Math.exp(f32(l[4 * n + 2] * this.v1))));
    const h = f32(ph * f32(Math.exp(f32(l[4 * n + 3] * this.v1))));
    const x1 = f32(cx - f32(w / 2));
    const y1 = f32(cy - f32(h / 2));
    const x2 = f32(w + x1);
    const y2 = f32(h + y1);
    out[o] = f32(x1 * this.inputWidth) / scaleX;
    out[o + 1] = f32(y1 * this.inputHeight) / scaleY;
    out[o + 2] = f32(x2 * this.inputWidth) / scaleX;
    out[o + 3] = f32(y2 * this.inputHeight) / scaleY;
  }

  faceBox(n: number, scaleX: number, scaleY: number, out: Float64Array, o: number): void {
    this.box(n, scaleX, scaleY, this.corners, 0);
    faceBoxFromCorners(this.corners, out, o);
  }

  landmarks(n: number, scaleX: number, scaleY: number, out: Float32Array, o: number): void {
    const p = this.priors;
    const m = this.landms;
    const pcx = p[4 * n];
    const pcy = p[4 * n + 1];
    const pw = p[4 * n + 2];
    const ph = p[4 * n + 3];
    for (let k = 0; k < 5; k++) {
      const x = f32(pcx + f32(f32(m[10 * n + 2 * k] * this.v0) * pw));
      const y = f32(pcy + f32(f32(m[10 * n + 2 * k + 1] * this.v0) * ph));
      out[o + 2 * k] = f32(x * this.inputWidth) / scaleX;
      out[o + 2 * k + 1] = f32(y * this.inputHeight) / scaleY;
    }
  }
}
