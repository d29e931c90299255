import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagePacker, planGeometry, tensorLength, type GeometryOptions, type InputGeometry, type RawOutputs } from '../../src/core/index.ts';
import type { FaceSession } from '../../src/runtime/face-session.ts';
import { decodeImageFile, fitImage } from '../../src/node/image-file.ts';
import { referenceDecode } from '../reference/reference-decoder.ts';
import { loadSession } from './engine.ts';
import { compareFaceSets, corners, fromReference } from './faces.ts';
import { PHOTOS, widerSample } from './paths.ts';

export interface ComparisonImage {
  file: string;
  options?: GeometryOptions;
}

/** 24 WIDER images (every 5th of the 120) and four photos, one of them scaled down by a 1024 maximum. */
export function comparisonImages(): ComparisonImage[] {
  return [
    ...widerSample(5).map((file) => ({ file })),
    { file: join(PHOTOS, 'astronaut.png') },
    { file: join(PHOTOS, 'group-640x480.jpg') },
    { file: join(PHOTOS, 'crowd-400.jpg') },
    { file: join(PHOTOS, 'vladmandic-sample2.jpg'), options: { maxInputSize: { width: 1024, height: 1024 } } },
  ];
}

export const THRESHOLDS = [0.02, 0.5] as const;

/** Runs the model once on an image through the project's pipeline; returns the geometry and raw outputs. */
export async function runModel(engine: FaceSession, file: string, options: GeometryOptions = {}): Promise<{ geometry: InputGeometry; outputs: RawOutputs }> {
  const image = await decodeImageFile(file);
  const geometry = planGeometry(image, engine.descriptor.inputSize, options);
  const fitted = await fitImage(image, geometry);
  const tensor = new ImagePacker(engine.descriptor).pack(fitted, geometry, new Float32Array(tensorLength(geometry)));
  return { geometry, outputs: await engine.infer(tensor, geometry) };
}

/**
 * Declares the tests of one model: for every image, FaceDecoder and the reference decoder get the same raw
 * outputs and must produce the same set of faces at both thresholds (1e-3 px, 1e-6 score).
 */
export function compareWithReference(label: string, modelPath: string, family: 'insightface' | 'biubug6', fixedSize: number | null): void {
  describe(`${label}: FaceDecoder equals the reference decoder on real outputs`, () => {
    let engine: FaceSession;
    const stats = { images: 0, faces: { 0.02: 0, 0.5: 0 } as Record<number, number>, scaled: 0, touchingEdge: 0 };

    beforeAll(async () => {
      engine = await loadSession(modelPath);
      expect(engine.descriptor.family).toBe(family);
      expect(engine.descriptor.inputSize).toEqual(fixedSize ? { width: fixedSize, height: fixedSize } : null);
    });
    afterAll(() => engine?.release());

    it.each(comparisonImages().map((c) => [c.file.split('/').slice(-2).join('/'), c] as const))('%s', async (_, { file, options }) => {
      const { geometry: g, outputs } = await runModel(engine, file, options);
      if (fixedSize) {
        // Letterbox: the image scaled by s = min(640/W0, 640/H0), rounded, at the top-left of the 640x640 tensor.
        const s = Math.min(fixedSize / g.sourceWidth, fixedSize / g.sourceHeight);
        expect([g.inputWidth, g.inputHeight]).toEqual([fixedSize, fixedSize]);
        expect([g.contentWidth, g.contentHeight]).toEqual([Math.round(g.sourceWidth * s), Math.round(g.sourceHeight * s)]);
      } else if (!options) {
        // Native: the image itself, padded bottom/right to multiples of 32.
        expect([g.contentWidth, g.contentHeight]).toEqual([g.sourceWidth, g.sourceHeight]);
        expect([g.inputWidth, g.inputHeight]).toEqual([Math.ceil(g.sourceWidth / 32) * 32, Math.ceil(g.sourceHeight / 32) * 32]);
      }
      if (g.contentWidth !== g.sourceWidth) stats.scaled++;
      stats.images++;
      for (const scoreThreshold of THRESHOLDS) {
        const fast = engine.decode(outputs, g, { scoreThreshold }).map(corners);
        const reference = referenceDecode(outputs, {
          family,
          inputWidth: g.inputWidth,
          inputHeight: g.inputHeight,
          scaleX: g.contentWidth / g.sourceWidth,
          scaleY: g.contentHeight / g.sourceHeight,
          scoreThreshold,
        }).map(fromReference);
        expect(compareFaceSets(fast, reference), `threshold ${scoreThreshold}`).toEqual([]);
        if (family === 'biubug6') {
          // Stricter than 1e-3: spec §6.3 fixes every float32 rounding of the family-B math, so both are bit-exact.
          expect(compareFaceSets(fast, reference, { px: 0, score: 0 }), `threshold ${scoreThreshold}, bit-exact`).toEqual([]);
        }
        stats.faces[scoreThreshold] += reference.length;
        if (scoreThreshold === 0.02) stats.touchingEdge += reference.filter((f) => f.x1 <= 0 || f.y1 <= 0).length;
      }
    });

    it('covered real work: many faces at both thresholds, scaled and unscaled inputs, boxes at the image edge', () => {
      expect(stats.images).toBe(comparisonImages().length);
      expect(stats.faces[0.5]).toBeGreaterThan(100);
      expect(stats.faces[0.02]).toBeGreaterThan(stats.faces[0.5] * 2);
      expect(stats.scaled).toBeGreaterThan(0);
      expect(stats.touchingEdge).toBeGreaterThan(0);
    });
  });
}
