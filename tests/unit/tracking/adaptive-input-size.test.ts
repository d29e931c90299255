// The adaptive input size against simulated models whose time per result grows with the tensor's area: slow →
// down, fast → up, no oscillation on a noisy steady time or a cost model that is wrong, never below the
// minFaceSize bound, sizes multiples of 32 with the aspect kept.
import { describe, expect, it } from 'vitest';
import { biubug6Levels, InvalidInputError, insightFaceLevels, type Size } from '../../../src/core/index.ts';
import { AdaptiveInputSize, DEFAULT_MIN_FACE_SIZE, smallestDetectableFace } from '../../../src/tracking/index.ts';
import { gaussian, seededRandom } from '../../support/synthetic-faces.ts';

const VGA = { width: 640, height: 480 };
const area = (s: Size) => s.width * s.height;

/** Runs the controller for `results` results of a model taking `msAt(size, i)`; returns the sizes used. */
function drive(controller: AdaptiveInputSize, results: number, msAt: (size: Size, i: number) => number): Size[] {
  const used: Size[] = [];
  let size = controller.size;
  for (let i = 0; i < results; i++) {
    used.push(size);
    size = controller.next(msAt(size, i));
  }
  return used;
}

const changes = (sizes: Size[]) => sizes.filter((s, i) => i > 0 && s !== sizes[i - 1]).length;

describe('smallestDetectableFace', () => {
  it('is the smallest anchor of the model’s levels: 16 px for RetinaFace of both families', () => {
    expect(smallestDetectableFace(insightFaceLevels())).toBe(16);
    expect(smallestDetectableFace(biubug6Levels())).toBe(16);
    expect(smallestDetectableFace([{ stride: 8, scales: [4, 2] }, { stride: 16, scales: [8] }])).toBe(32);
    // An anchor-free model (YuNet's levels name strides only): two cells of its finest stride.
    expect(smallestDetectableFace([{ stride: 8 }, { stride: 16 }, { stride: 32 }])).toBe(16);
    expect(() => smallestDetectableFace([])).toThrow(InvalidInputError);
  });
});

describe('AdaptiveInputSize ladder', () => {
  it('has sizes in multiples of 32 with the aspect kept, from the minFaceSize bound to the source size', () => {
    for (const source of [VGA, { width: 1280, height: 720 }, { width: 480, height: 640 }, { width: 1920, height: 1080 }, { width: 333, height: 251 }]) {
      for (const minFaceSize of [20, DEFAULT_MIN_FACE_SIZE, 100]) {
        const c = new AdaptiveInputSize(source, 16, { minFaceSize });
        const scaleOf = (s: Size) => Math.min(s.width / source.width, s.height / source.height);
        for (const s of c.sizes) {
          expect(s.width % 32, `${s.width}x${s.height}`).toBe(0);
          expect(s.height % 32).toBe(0);
          // Letterboxed, the content keeps the source's aspect; padding is under 32 px a side.
          const scale = scaleOf(s);
          expect(s.width - source.width * scale).toBeLessThan(32);
          expect(s.height - source.height * scale).toBeLessThan(32);
        }
        // The bound: a minFaceSize face is at least the smallest anchor at the smallest size ...
        expect(minFaceSize * scaleOf(c.minimum)).toBeGreaterThanOrEqual(16 - 1e-9);
        // ... and the ladder climbs in steps of 32 px on the longer side up to the source's size.
        const longer = (s: Size) => Math.max(s.width, s.height);
        const steps = c.sizes.slice(1).map((s, i) => longer(s) - longer(c.sizes[i]));
        expect(steps.every((d) => d === 32)).toBe(true);
        const top = c.sizes[c.sizes.length - 1];
        expect(longer(top)).toBeLessThanOrEqual(Math.max(longer(c.minimum), longer(source)));
        expect(longer(source) - longer(top)).toBeLessThan(32 + 1e-9 + Math.max(0, longer(c.minimum) - longer(source)));
      }
    }
    // VGA, 40 px faces, 16 px anchor: at least 0.4 of 640 = 256 px wide.
    expect(new AdaptiveInputSize(VGA, 16).minimum).toEqual({ width: 256, height: 192 });
  });

  it('starts at 640 px on the longer side (or the nearest allowed size)', () => {
    expect(new AdaptiveInputSize({ width: 1280, height: 720 }, 16).size).toEqual({ width: 640, height: 384 });
    expect(new AdaptiveInputSize({ width: 320, height: 240 }, 16).size).toEqual({ width: 320, height: 256 });
  });
});

describe('AdaptiveInputSize control', () => {
  // A model taking 0.25 µs per tensor pixel: 640x480 → 77 ms, 3 times the 33 ms budget of 30 fps.
  const slow = (s: Size) => 2.5e-4 * area(s);
  // 640x480 → 8 ms.
  const fast = (s: Size) => 2.6e-5 * area(s);

  it('goes down with a slow model, to a size within budget, and stays', () => {
    const c = new AdaptiveInputSize(VGA, 16);
    const used = drive(c, 300, slow);
    const final = used[used.length - 1];
    expect(area(final)).toBeLessThan(area(VGA));
    expect(slow(final)).toBeLessThanOrEqual(c.budgetMs);
    expect(changes(used.slice(50))).toBe(0);
    // It got there quickly: one jump (predicted from the area), within a few results.
    expect(used.slice(0, 5)).toContain(final);
  });

  it('goes up with a fast model, step by step, to the source size', () => {
    const c = new AdaptiveInputSize({ width: 1280, height: 720 }, 16);
    const used = drive(c, 400, fast);
    const final = used[used.length - 1];
    expect(final).toEqual({ width: 1280, height: 736 });
    expect(fast(final)).toBeLessThanOrEqual(0.8 * c.budgetMs);
    expect(area(used[0])).toBeLessThan(area(final));
  });

  it('never goes below the minFaceSize bound, however slow the model', () => {
    const c = new AdaptiveInputSize(VGA, 16, { minFaceSize: 64 });
    const used = drive(c, 200, (s) => 1e-3 * area(s)); // 300 ms at 640x480
    expect(used.every((s) => area(s) >= area(c.minimum))).toBe(true);
    expect(used[used.length - 1]).toBe(c.minimum);
    expect(c.minimum).toEqual({ width: 160, height: 128 });
  });

  it('holds still on a noisy steady time in the dead band (±20 % noise, 2,000 results): rare one-step moves, no flapping', () => {
    for (const seed of [9, 10, 11]) {
      const random = seededRandom(seed);
      // At 480x384 the model takes 85 % of the budget on average (one step up, 512x384, would take 91 %): both
      // sit between the headroom (80 %) and the budget, so nothing should move but the rare noise excursion.
      const c = new AdaptiveInputSize(VGA, 16, { initialSide: 480 });
      expect(c.size).toEqual({ width: 480, height: 384 });
      const perPixel = (0.85 * c.budgetMs) / area(c.size);
      const used = drive(c, 2000, (s) => perPixel * area(s) * (1 + 0.2 * Math.max(-2, Math.min(2, gaussian(random)))));
      expect(changes(used), `seed ${seed}`).toBeLessThanOrEqual(6);
      // Every size it moves to is held for at least 100 results (3 s at 30 fps).
      const at = used.map((s, i) => (i > 0 && s !== used[i - 1] ? i : -1)).filter((i) => i > 0);
      expect(at.slice(1).every((i, k) => i - at[k] >= 100), `seed ${seed}: changes at ${at}`).toBe(true);
      expect(used.every((s) => Math.abs(s.width - 480) <= 32)).toBe(true);
    }
  });

  it('backs off when growing costs more than the area predicts (a model twice as slow above 448 px)', () => {
    const c = new AdaptiveInputSize(VGA, 16, { initialSide: 416 });
    const base = area(c.size);
    const msAt = (s: Size) => 0.5 * c.budgetMs * (area(s) / base) * (s.width > 448 ? 2 : 1);
    const used = drive(c, 2000, msAt);
    // Each growth to 480 is undone and doubles the wait before the next (up to 32×): a few tries, not flapping.
    expect(c.growBackoff).toBe(32);
    expect(changes(used)).toBeLessThan(25);
    expect(used.filter((s) => msAt(s) > c.budgetMs).length / used.length).toBeLessThan(0.05);
    expect(used[used.length - 100]).toEqual({ width: 448, height: 352 });
  });

  it('does not count the first result at a new size (onnxruntime plans the new shape)', () => {
    const c = new AdaptiveInputSize(VGA, 16);
    const start = c.size;
    // One slow first run, then fast ones: no step down.
    let size = c.next(500);
    for (let i = 0; i < 5; i++) size = c.next(0.5 * c.budgetMs);
    expect(size).toBe(start);
  });

  it('rebuilds the ladder when the source changes, keeping the scale', () => {
    const c = new AdaptiveInputSize(VGA, 16, { initialSide: 320 });
    expect(c.size).toEqual({ width: 320, height: 256 });
    c.setSource({ width: 1280, height: 960 });
    expect(c.size).toEqual({ width: 640, height: 480 });
    expect(c.minimum).toEqual({ width: 512, height: 384 });
  });

  it('refuses bad options and arguments with typed errors naming them', () => {
    expect(() => new AdaptiveInputSize(VGA, 16, { targetFps: 0 })).toThrow(/targetFps/);
    expect(() => new AdaptiveInputSize(VGA, 16, { headroom: 1.5 })).toThrow(/headroom/);
    expect(() => new AdaptiveInputSize(VGA, 16, { growDwell: 0 })).toThrow(/growDwell/);
    expect(() => new AdaptiveInputSize(VGA, 16, { maxInputSize: { width: 10, height: 10 } })).toThrow(/maxInputSize/);
    expect(() => new AdaptiveInputSize(VGA, 16, { fps: 30 } as never)).toThrow(/Unknown adaptive size option "fps"/);
    expect(() => new AdaptiveInputSize(VGA, 0)).toThrow(/smallestFace/);
    expect(() => new AdaptiveInputSize({ width: 0, height: 480 }, 16)).toThrow(InvalidInputError);
  });
});
