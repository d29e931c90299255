import { INSIGHTFACE_BASE_SIZE, type Biubug6Level, type InsightFaceLevel } from './model-descriptor.ts';

/** Feature-map size of one level. */
export interface LevelShape {
  height: number;
  width: number;
}

const CACHE_LIMIT = 16;

/** A small insertion-ordered cache: anchors depend only on the input geometry, which rarely changes. */
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  }
  return value;
}

const insightFaceCache = new Map<string, Float32Array>();
const biubug6Cache = new Map<string, Float32Array>();

/**
 * insightface anchors (spec §A.4): `[x1, y1, x2, y2]` per anchor with the +1 convention, levels in the given
 * order (32, 16, 8), then row i, column j, anchor a (scales in list order, large first). The base window is
 * [0, 0, 15, 15], so every anchor is centred at (7.5 + j·s, 7.5 + i·s) with side 16·scale.
 */
export function generateInsightFaceAnchors(levels: readonly InsightFaceLevel[], shapes: readonly LevelShape[]): Float32Array {
  const key = levels.map((l, k) => `${l.stride}:${l.scales.join(',')}:${shapes[k].height}x${shapes[k].width}`).join('|');
  return cached(insightFaceCache, key, () => {
    let total = 0;
    levels.forEach((l, k) => (total += shapes[k].height * shapes[k].width * l.scales.length));
    const anchors = new Float32Array(total * 4);
    const centre = 0.5 * (INSIGHTFACE_BASE_SIZE - 1);
    let o = 0;
    levels.forEach((level, k) => {
      const { height, width } = shapes[k];
      const s = level.stride;
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          for (const scale of level.scales) {
            const half = 0.5 * (INSIGHTFACE_BASE_SIZE * scale - 1);
            anchors[o++] = centre - half + j * s;
            anchors[o++] = centre - half + i * s;
            anchors[o++] = centre + half + j * s;
            anchors[o++] = centre + half + i * s;
          }
        }
      }
    });
    return anchors;
  });
}

/** Feature-map sizes of biubug6 priors: ceil(H/s) x ceil(W/s) of the input tensor (spec §B.4). */
export function biubug6LevelShapes(levels: readonly Biubug6Level[], inputWidth: number, inputHeight: number): LevelShape[] {
  return levels.map((l) => ({ height: Math.ceil(inputHeight / l.stride), width: Math.ceil(inputWidth / l.stride) }));
}

/**
 * biubug6 priors (spec §B.4): float32 `[cx, cy, w, h]` normalised to the input size, levels 8, 16, 32, then row,
 * column, min size (small first); centres at ((j + 0.5)·s / W, (i + 0.5)·s / H).
 */
export function generateBiubug6Priors(levels: readonly Biubug6Level[], inputWidth: number, inputHeight: number): Float32Array {
  const key = `${levels.map((l) => `${l.stride}:${l.minSizes.join(',')}`).join('|')}@${inputWidth}x${inputHeight}`;
  return cached(biubug6Cache, key, () => {
    const shapes = biubug6LevelShapes(levels, inputWidth, inputHeight);
    let total = 0;
    levels.forEach((l, k) => (total += shapes[k].height * shapes[k].width * l.minSizes.length));
    const priors = new Float32Array(total * 4);
    let o = 0;
    levels.forEach((level, k) => {
      const s = level.stride;
      for (let i = 0; i < shapes[k].height; i++) {
        for (let j = 0; j < shapes[k].width; j++) {
          for (const m of level.minSizes) {
            priors[o++] = ((j + 0.5) * s) / inputWidth;
            priors[o++] = ((i + 0.5) * s) / inputHeight;
            priors[o++] = m / inputWidth;
            priors[o++] = m / inputHeight;
          }
        }
      }
    });
    return priors;
  });
}

/**
 * Anchors (priors) a model uses for an input tensor of the given size: Σ ceil(H/s)·ceil(W/s)·anchors per cell
 * (one per scale or min size; one per cell for YuNet, whose levels have neither).
 */
export function countAnchors(
  levels: readonly { stride: number; scales?: readonly number[]; minSizes?: readonly number[] }[],
  inputWidth: number,
  inputHeight: number,
): number {
  return levels.reduce(
    (sum, l) => sum + Math.ceil(inputHeight / l.stride) * Math.ceil(inputWidth / l.stride) * ((l.scales ?? l.minSizes)?.length ?? 1),
    0,
  );
}
