// Velocity estimates and constant-velocity prediction on synthetic tracks.
import { describe, expect, it } from 'vitest';
import type { Face } from '../../../src/core/index.ts';
import {
  DEFAULT_MAX_PREDICTION_MS,
  FaceTracker,
  predictFace,
  predictionHorizon,
  VelocityEstimatorBank,
} from '../../../src/tracking/index.ts';
import { boxCentre, gaussian, seededRandom, syntheticFace } from '../../support/synthetic-faces.ts';

describe('VelocityEstimatorBank', () => {
  it('gives 0, then the exact velocity of a constant-velocity signal at any intervals', () => {
    const bank = new VelocityEstimatorBank(4, 2);
    const random = seededRandom(1);
    let t = 0;
    bank.update(0, 10, t);
    expect(bank.velocityOf(0)).toBe(0);
    for (let i = 0; i < 50; i++) {
      t += 5 + 90 * random();
      bank.update(0, 10 + 0.25 * t, t); // 250 px/s
      expect(bank.velocityOf(0)).toBeCloseTo(0.25, 12);
    }
    expect(bank.velocityOf(1)).toBe(0);
  });

  it('averages noise down and follows a change of velocity', () => {
    const bank = new VelocityEstimatorBank(4, 1);
    const random = seededRandom(2);
    const estimates: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = (i * 1000) / 30;
      const v = i < 150 ? 0.2 : -0.1;
      const x = i < 150 ? v * t : 0.2 * 5000 + v * (t - 5000);
      bank.update(0, x + gaussian(random), t);
      estimates.push(bank.velocityOf(0));
    }
    const tail = (from: number, to: number) => estimates.slice(from, to);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(tail(100, 150))).toBeCloseTo(0.2, 1);
    expect(mean(tail(250, 300))).toBeCloseTo(-0.1, 1);
    // A single difference of 1 px noise at 30 fps is ±42 px/s (0.042 px/ms); the estimate is steadier.
    const spread = Math.sqrt(mean(tail(100, 150).map((v) => (v - 0.2) ** 2)));
    expect(spread).toBeLessThan(0.02);
  });

  it('ignores a sample that is not later than the last one', () => {
    const bank = new VelocityEstimatorBank(4, 1);
    bank.update(0, 0, 0);
    bank.update(0, 10, 100);
    bank.update(0, 999, 100);
    bank.update(0, 999, 50);
    expect(bank.velocityOf(0)).toBeCloseTo(0.1, 12);
    expect(bank.lastOf(0)).toBe(10);
  });
});

describe('predictionHorizon', () => {
  it('is time − frameTime, never negative, capped', () => {
    expect(predictionHorizon(100, 150)).toBe(50);
    expect(predictionHorizon(100, 90)).toBe(0);
    expect(predictionHorizon(0, 1e6)).toBe(DEFAULT_MAX_PREDICTION_MS);
    expect(predictionHorizon(0, 1e6, Infinity)).toBe(1e6);
  });
});

describe('predictFace', () => {
  it('moves box corners and landmarks by their velocity, into out or in place', () => {
    const face: Face = { box: { x: 10, y: 20, width: 100, height: 120 }, score: 0.9, landmarks: [[40, 60], [80, 60]], id: 7 };
    // x1, y1 at 0.1 / 0.2 px/ms, x2, y2 faster (growing), first landmark moving, second without a velocity.
    const velocity = [0.1, 0.2, 0.3, 0.4, 0.1, -0.1];
    const out: Face = { box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [] };
    predictFace(face, velocity, 1000, 1050, out);
    expect(out.box).toEqual({ x: 15, y: 30, width: 110, height: 130 });
    expect(out.landmarks).toEqual([[45, 55], [80, 60]]);
    expect(out.score).toBe(0.9);
    expect(out.id).toBe(7);
    expect(face.box.x).toBe(10);
    const again = predictFace(face, velocity, 1000, 1000 + 10 * DEFAULT_MAX_PREDICTION_MS, face);
    expect(again).toBe(face);
    expect(face.box.x).toBeCloseTo(10 + 0.1 * DEFAULT_MAX_PREDICTION_MS, 9);
  });
});

describe('FaceTracker.predict on a constant-velocity track', () => {
  // Within 4 px: the smoothing's own lag (≈ 2.5 px at this speed) plus the noise of the velocity estimate.
  it('puts the face where it is at the asked time, within the noise and the smoothing lag', () => {
    const v = 0.2; // 200 px/s to the right, 50 px/s down
    const random = seededRandom(5);
    const tracker = new FaceTracker();
    const at = (t: number, noise: number) => syntheticFace(100 + v * t, 200 + 0.05 * t, 90, noise, random);
    let id = 0;
    for (let i = 0; i < 60; i++) [{ id = 0 }] = tracker.update([at((i * 1000) / 30, 0.7)], (i * 1000) / 30);
    const last = (59 * 1000) / 30;
    const out: Face = { box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [] };
    for (const ahead of [0, 33, 67, 100, 150]) {
      expect(tracker.predict(id, last + ahead, out)).toBe(true);
      const [px, py] = boxCentre(out);
      const [tx, ty] = boxCentre(at(last + ahead, 0));
      expect(Math.hypot(px - tx, py - ty), `${ahead} ms ahead`).toBeLessThan(4);
      expect(out.landmarks).toHaveLength(5);
      expect(out.landmarks[2][0]).toBeCloseTo(at(last + ahead, 0).landmarks[2][0], -1);
    }
    // Without prediction the face would be 200 px/s × 150 ms = 30 px behind.
    tracker.predict(id, last + 150, out);
    const [lagX] = boxCentre(at(last, 0));
    expect(boxCentre(out)[0] - lagX).toBeGreaterThan(25);
    // Capped: 10 s ahead is the same as maxPredictionMs ahead.
    const capped = structuredClone(out);
    tracker.predict(id, last + DEFAULT_MAX_PREDICTION_MS, capped);
    tracker.predict(id, last + 10_000, out);
    expect(out.box.x).toBeCloseTo(capped.box.x, 9);
    expect(tracker.predict(id + 1, last, out)).toBe(false);
  });

  it('is predictFace on the face update() returned, with velocityOf() and lastSeen()', () => {
    const random = seededRandom(6);
    const tracker = new FaceTracker();
    let face: Face | undefined;
    for (let i = 0; i < 20; i++) [face] = tracker.update([syntheticFace(100 + 7 * i, 100 - 2 * i, 80, 1, random)], i * 33);
    const velocity = new Float64Array(14);
    expect(tracker.velocityOf(face!.id!, velocity)).toBe(true);
    expect(tracker.lastSeen(face!.id!)).toBe(19 * 33);
    const a = predictFace(face!, velocity, tracker.lastSeen(face!.id!), 19 * 33 + 80, structuredClone(face!));
    const b = structuredClone(face!);
    tracker.predict(face!.id!, 19 * 33 + 80, b);
    expect(b.box.x).toBeCloseTo(a.box.x, 9);
    expect(b.box.height).toBeCloseTo(a.box.height, 9);
    expect(b.landmarks[4][1]).toBeCloseTo(a.landmarks[4][1], 9);
    expect(a.box.x - face!.box.x).toBeGreaterThan(10); // ≈ 210 px/s × 80 ms
    expect(tracker.velocityOf(999, velocity)).toBe(false);
    expect(tracker.lastSeen(999)).toBeNaN();
  });
});
