// The tracker on synthetic faces: stable ids under noise and motion, no swap when two faces cross closely,
// survival over missed results, new ids for new and re-entering faces (never reused), in-place annotation.
import { describe, expect, it } from 'vitest';
import { InvalidInputError, type Face } from '../../../src/core/index.ts';
import { boxIou, DEFAULT_MAX_MISSED, FaceTracker, type FaceTrackerOptions } from '../../../src/tracking/index.ts';
import { seededRandom, syntheticFace } from '../../support/synthetic-faces.ts';

type Labelled = Face & { who: string };

const label = (face: Face, who: string): Labelled => Object.assign(face, { who });

/** Greedy NMS at IoU 0.4, as the detector applies it: of two faces that overlap too much only the better is seen. */
function nms<T extends Face>(faces: T[]): T[] {
  const keep: T[] = [];
  for (const f of [...faces].sort((a, b) => b.score - a.score)) {
    const overlaps = keep.some((k) => boxIou(k.box.x, k.box.y, k.box.x + k.box.width, k.box.y + k.box.height, f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height) > 0.4);
    if (!overlaps) keep.push(f);
  }
  return keep;
}

/** Runs the tracker over `frames` (each a list of labelled faces at its time) and returns the ids seen per label. */
function idsPerLabel(frames: { time: number; faces: Labelled[] }[], options: FaceTrackerOptions = {}): Record<string, number[]> {
  const tracker = new FaceTracker(options);
  const ids: Record<string, number[]> = {};
  for (const { time, faces } of frames) {
    for (const f of tracker.update(faces, time)) {
      const seen = (ids[f.who] ??= []);
      if (seen[seen.length - 1] !== f.id) seen.push(f.id!);
    }
  }
  return ids;
}

describe('FaceTracker ids', () => {
  it('stay the same under noise and motion (3 faces, up to 300 px/s, σ = 1.5 px, 5 s at 30 fps)', () => {
    const random = seededRandom(11);
    const frames = Array.from({ length: 150 }, (_, i) => {
      const t = (i * 1000) / 30;
      const s = t / 1000;
      return {
        time: t,
        faces: [
          label(syntheticFace(120 + 300 * s, 150, 90, 1.5, random), 'right'),
          label(syntheticFace(500, 120 + 40 * Math.sin(3 * s), 70, 1.5, random), 'bobbing'),
          label(syntheticFace(1400 - 250 * s, 400 + 30 * s, 110, 1.5, random), 'left'),
        ],
      };
    });
    const ids = idsPerLabel(frames);
    expect(ids).toEqual({ right: [expect.any(Number)], bobbing: [expect.any(Number)], left: [expect.any(Number)] });
    expect(new Set(Object.values(ids).flat()).size).toBe(3);
  });

  it('do not swap when two faces cross closely (450 px/s each way, 15 results/s, NMS hiding one at the crossing)', () => {
    const frames = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 30 }, (_, i) => {
        const t = (i * 1000) / 15;
        const a = label(syntheticFace(100 + 0.45 * t, 200, 80, 1, random, 0.99), 'a');
        const b = label(syntheticFace(600 - 0.45 * t, 220, 80, 1, random, 0.98), 'b');
        return { time: t, faces: nms([a, b]) };
      });
    };
    for (const seed of [1, 2, 3]) {
      expect(idsPerLabel(frames(seed)), `seed ${seed}`).toEqual({ a: [1], b: [2] });
      // The same without moving the tracks by their velocity swaps them: the motion is what keeps them apart.
      const { a, b } = idsPerLabel(frames(seed), { maxPredictionMs: 0 });
      expect(a.length + b.length, `seed ${seed} without prediction`).toBeGreaterThan(2);
    }
  });

  it(`survive ${DEFAULT_MAX_MISSED} missed results, and a face missing longer comes back with a new id`, () => {
    const run = (missing: number) => {
      const frames: { time: number; faces: Labelled[] }[] = [];
      for (let i = 0; i < 20 + missing; i++) {
        const hidden = i >= 10 && i < 10 + missing;
        frames.push({ time: i * 33, faces: hidden ? [] : [label(syntheticFace(300, 200, 80, 0.5, seededRandom(i)), 'face')] });
      }
      return idsPerLabel(frames).face;
    };
    expect(run(DEFAULT_MAX_MISSED)).toEqual([1]);
    expect(run(DEFAULT_MAX_MISSED + 1)).toEqual([1, 2]);
    expect(idsPerLabel([0, 1, 2, 3].map((i) => ({ time: i, faces: i === 1 ? [] : [label(syntheticFace(0, 0, 50), 'f')] })), { maxMissed: 0 }).f).toEqual([1, 2]);
  });

  it('are never reused: a re-entering face and every new face get a new, larger id', () => {
    const random = seededRandom(4);
    const tracker = new FaceTracker();
    const given: number[] = [];
    const live = new Set<number>();
    for (let i = 0; i < 400; i++) {
      // Faces pop in and out at 6 fixed places, each present or not at random for runs of frames.
      const faces: Face[] = [];
      for (let p = 0; p < 6; p++) if (Math.sin(i / (7 + p) + p * 2) + 0.3 * random() > 0.2) faces.push(syntheticFace(80 + 150 * p, 200, 60, 1, random));
      for (const f of tracker.update(faces, i * 33)) {
        if (!live.has(f.id!) && !given.includes(f.id!)) given.push(f.id!);
        live.add(f.id!);
      }
    }
    expect(given.length).toBeGreaterThan(20);
    expect(given).toEqual([...given].sort((a, b) => a - b));
    expect(new Set(given).size).toBe(given.length);
  });

  it('tell faces apart by their landmarks when their boxes agree', () => {
    const upright = () => syntheticFace(300, 200, 100);
    const upsideDown = () => {
      const f = syntheticFace(300, 200, 100);
      f.landmarks = f.landmarks.map(([x, y]): [number, number] => [x, 2 * 200 - y]);
      return f;
    };
    const ids = (options: FaceTrackerOptions) => {
      const tracker = new FaceTracker(options);
      const [a] = tracker.update([upright()], 0);
      const [b] = tracker.update([upsideDown()], 33);
      return [a.id, b.id];
    };
    expect(ids({})).toEqual([1, 1]); // about 0.3 face sizes apart: within the default 0.6
    expect(ids({ maxLandmarkDistance: 0.2 })).toEqual([1, 2]);
  });

  it('start over when time goes backwards (a seek or a looping file), with new ids', () => {
    const tracker = new FaceTracker();
    expect(tracker.update([syntheticFace(100, 100, 80)], 1000)[0].id).toBe(1);
    expect(tracker.update([syntheticFace(100, 100, 80)], 1000)[0].id).toBe(1); // the same time: still the same face
    expect(tracker.update([syntheticFace(100, 100, 80)], 500)[0].id).toBe(2);
    expect(tracker.trackCount).toBe(1);
  });
});

describe('FaceTracker output', () => {
  it('annotates the caller’s faces in place, in their order', () => {
    const tracker = new FaceTracker({ smoothing: false });
    const faces = [syntheticFace(100, 100, 80), syntheticFace(400, 100, 80)];
    const before = structuredClone(faces);
    const out = tracker.update(faces, 0);
    expect(out).toBe(faces);
    expect(out.map((f) => f.id)).toEqual([1, 2]);
    expect(out.map(({ id: _, ...rest }) => rest)).toEqual(before); // smoothing off: coordinates untouched
    const moved = [syntheticFace(402, 101, 80), syntheticFace(101, 100, 80)];
    expect(tracker.update(moved, 33).map((f) => f.id)).toEqual([2, 1]);
  });

  it('smooths box and landmarks when on, and leaves the first sight of a face as detected', () => {
    const tracker = new FaceTracker();
    const first = syntheticFace(100, 100, 80);
    const firstCopy = structuredClone(first);
    tracker.update([first], 0);
    expect({ ...first, id: undefined }).toEqual({ ...firstCopy, id: undefined });
    const jumped = syntheticFace(103, 98, 80);
    const raw = structuredClone(jumped);
    tracker.update([jumped], 33);
    expect(jumped.box.x).toBeGreaterThan(first.box.x);
    expect(jumped.box.x).toBeLessThan(raw.box.x);
    expect(jumped.landmarks[0][1]).toBeLessThan(first.landmarks[0][1]);
    expect(jumped.landmarks[0][1]).toBeGreaterThan(raw.landmarks[0][1]);
  });

  it('grows for many faces (a crowd) and shrinks back', () => {
    const tracker = new FaceTracker();
    const crowd = (n: number) => Array.from({ length: n }, (_, i) => syntheticFace(30 + (i % 40) * 40, 30 + Math.floor(i / 40) * 50, 30));
    expect(tracker.update(crowd(400), 0).map((f) => f.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(tracker.update(crowd(400), 33).map((f) => f.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (let k = 2; k < 2 + DEFAULT_MAX_MISSED + 1; k++) tracker.update(crowd(3), k * 33);
    expect(tracker.trackCount).toBe(3);
    expect([1, 2, 3].every((id) => tracker.hasTrack(id))).toBe(true);
  });
});

describe('FaceTracker with fewer landmarks than landmarkCount', () => {
  it('tracks by the box alone and predicts only the landmarks the face has', () => {
    const tracker = new FaceTracker();
    const bare = (x: number): Face => ({ box: { x, y: 100, width: 80, height: 96 }, score: 0.9, landmarks: [] });
    for (let i = 0; i < 10; i++) expect(tracker.update([bare(100 + 5 * i)], i * 33)[0].id).toBe(1);
    const out: Face = { box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [[1, 2]] };
    expect(tracker.predict(1, 9 * 33 + 33, out)).toBe(true);
    expect(out.landmarks).toEqual([]);
    expect(out.box.x).toBeGreaterThan(140);
  });
});

describe('FaceTracker options', () => {
  it('are checked: unknown names and bad values are typed errors naming them', () => {
    expect(() => new FaceTracker({ maxMised: 3 } as FaceTrackerOptions)).toThrow(/Unknown tracker option "maxMised"/);
    expect(() => new FaceTracker({ minIou: 1.5 })).toThrow(InvalidInputError);
    expect(() => new FaceTracker({ maxMissed: -1 })).toThrow(/maxMissed/);
    expect(() => new FaceTracker({ maxMissed: 2.5 })).toThrow(/maxMissed/);
    expect(() => new FaceTracker({ smoothing: { minCutoff: -1 } as never })).toThrow(/smoothing\.minCutoff/);
    expect(() => new FaceTracker({ velocityCutoff: 0 })).toThrow(/velocityCutoff/);
    expect(() => new FaceTracker({ maxPredictionMs: Number.NaN })).toThrow(/maxPredictionMs/);
    expect(new FaceTracker({ smoothing: { beta: 2 } as never }).options.smoothing).toEqual({ minCutoff: 0.1, beta: 2, derivateCutoff: 0.3 });
  });

  it('refuse a bad update', () => {
    const tracker = new FaceTracker();
    expect(() => tracker.update(null as never, 0)).toThrow(InvalidInputError);
    expect(() => tracker.update([], Number.NaN)).toThrow(/frame time/);
  });
});
