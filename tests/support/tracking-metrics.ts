// Measures of issue 13 on a clip's detections and its ground truth: id switches, re-entry, landmark jitter and
// the lag of the drawn boxes behind the frame on screen, with and without prediction. Used by the tests and the
// benchmark; it runs the tracker the way a video loop does.
import type { Face } from '../../src/core/index.ts';
import { FaceTracker, type FaceTrackerOptions } from '../../src/tracking/index.ts';
import { matchTruth, type ClipTruth, type TruthFace } from './clips.ts';

/** Detections of every frame of a clip (raw, as the detector gave them). */
export type ClipDetections = readonly (readonly Face[])[];

const cloneFace = (f: Face): Face => ({ box: { ...f.box }, score: f.score, landmarks: f.landmarks.map((p) => [p[0], p[1]]) });

export interface LoopSimulation {
  /** Frames per second of the clip. */
  fps: number;
  /** A result is computed on every `stride`-th frame (1: every frame). Defaults to 1. */
  stride?: number;
  /** Frames between a frame and the display of its result (the inference's latency). Defaults to 0. */
  latency?: number;
}

export interface TrackedResult {
  /** The frame the result was computed on. */
  frame: number;
  frameTime: number;
  /** The tracker's output for it: the raw faces annotated with ids (and smoothed coordinates when on). */
  faces: Face[];
  /** The raw faces, as detected. */
  raw: Face[];
  /** Per truth face of `frame`, the index in `faces` of its face, or -1. */
  truthToFace: number[];
}

/** Runs a tracker over the frames a loop with `stride` would process. */
export function trackClip(detections: ClipDetections, truth: ClipTruth, options: FaceTrackerOptions, loop: LoopSimulation): { tracker: FaceTracker; results: TrackedResult[] } {
  const tracker = new FaceTracker(options);
  const stride = loop.stride ?? 1;
  const results: TrackedResult[] = [];
  for (let frame = 0; frame < detections.length; frame += stride) {
    const frameTime = (frame * 1000) / loop.fps;
    const raw = detections[frame].map(cloneFace);
    const faces = tracker.update(raw.map(cloneFace), frameTime);
    const truthToFace = matchTruth(raw.map((f) => f.box), truth.per_frame[frame].faces, 0.5);
    results.push({ frame, frameTime, faces, raw, truthToFace });
  }
  return { tracker, results };
}

const fullyVisible = (f: TruthFace) => f.visible_fraction === 1;

/**
 * Id switches: per truth face, how often the id of its matched face changes between consecutive results in which
 * it is fully visible and detected (so a face that leaves the frame is not counted), summed over faces.
 */
export function idSwitches(results: readonly TrackedResult[], truth: ClipTruth): { switches: number; observations: number } {
  let switches = 0;
  let observations = 0;
  const lastId = new Map<number, number>();
  for (const r of results) {
    truth.per_frame[r.frame].faces.forEach((g, t) => {
      const i = r.truthToFace[t];
      if (!fullyVisible(g)) {
        if (g.visible_fraction === 0) lastId.delete(g.face); // out of view: the next appearance starts afresh
        return;
      }
      if (i < 0) return;
      observations++;
      const id = r.faces[i].id!;
      const before = lastId.get(g.face);
      if (before !== undefined && before !== id) switches++;
      lastId.set(g.face, id);
    });
  }
  return { switches, observations };
}

/** The ids a truth face had, in order of appearance, split into its stays in view (separated by frames out of view). */
export function idsPerStay(results: readonly TrackedResult[], truth: ClipTruth, face: number): number[][] {
  const stays: number[][] = [];
  let current: number[] | null = null;
  for (const r of results) {
    const t = truth.per_frame[r.frame].faces.findIndex((g) => g.face === face);
    const g = truth.per_frame[r.frame].faces[t];
    if (g.visible_fraction === 0) {
      current = null;
      continue;
    }
    const i = r.truthToFace[t];
    if (i < 0) continue;
    if (!current) stays.push((current = []));
    const id = r.faces[i].id!;
    if (current[current.length - 1] !== id) current.push(id);
  }
  return stays;
}

export interface JitterFigures {
  /** Mean over faces and landmark coordinates of the std over frames, raw detections (px). */
  raw: number;
  /** The same, tracker output (px). */
  smoothed: number;
  /** Mean over coordinates of |mean(smoothed) − mean(raw)| (px). */
  meanOffset: number;
  /** The largest such offset (px). */
  maxOffset: number;
}

/** Landmark jitter of the fully visible faces over a still clip, raw vs the tracker's output. */
export function landmarkJitter(results: readonly TrackedResult[], truth: ClipTruth): JitterFigures {
  const series = new Map<string, { raw: number[]; out: number[] }>();
  for (const r of results) {
    truth.per_frame[r.frame].faces.forEach((g, t) => {
      const i = r.truthToFace[t];
      if (!fullyVisible(g) || i < 0) return;
      r.raw[i].landmarks.forEach((p, k) => {
        for (const c of [0, 1]) {
          const key = `${g.face}:${k}:${c}`;
          const s = series.get(key) ?? { raw: [], out: [] };
          s.raw.push(p[c]);
          s.out.push(r.faces[i].landmarks[k][c]);
          series.set(key, s);
        }
      });
    });
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const std = (a: number[]) => {
    const m = mean(a);
    return Math.sqrt(mean(a.map((v) => (v - m) ** 2)));
  };
  const all = [...series.values()];
  const offsets = all.map((s) => Math.abs(mean(s.out) - mean(s.raw)));
  return { raw: mean(all.map((s) => std(s.raw))), smoothed: mean(all.map((s) => std(s.out))), meanOffset: mean(offsets), maxOffset: Math.max(...offsets) };
}

export interface LagFigures {
  /** Mean distance (px) between the drawn box's centre and the displayed frame's truth, drawing the last result as it is. */
  unpredicted: number;
  /** The same, drawing `tracker.predict(id, displayed frame's time)`. */
  predicted: number;
  /** (displayed frame, face) pairs measured. */
  samples: number;
}

const centre = (b: { x: number; y: number; width: number; height: number }) => [b.x + b.width / 2, b.y + b.height / 2];

/**
 * The lag of the overlay on a moving clip: results are shown `latency` frames after their frame (each displayed
 * frame draws the newest result that has arrived), and each drawn box is compared with the truth of the frame on
 * screen. Predicting needs the tracker as it was when that result was the newest, so the tracker is run here
 * alongside the display.
 */
export function overlayLag(detections: ClipDetections, truth: ClipTruth, options: FaceTrackerOptions, loop: LoopSimulation): LagFigures {
  const stride = loop.stride ?? 1;
  const latency = loop.latency ?? 0;
  const tracker = new FaceTracker(options);
  const frameTime = (frame: number) => (frame * 1000) / loop.fps;
  let newest: { frame: number; faces: Face[]; truthToFace: number[] } | null = null;
  let nextResult = 0;
  const out: Face = { box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [] };
  let unpredicted = 0;
  let predicted = 0;
  let samples = 0;
  for (let shown = 0; shown < detections.length; shown++) {
    // Results whose frame + latency has come are delivered, in order.
    while (nextResult < detections.length && nextResult + latency <= shown) {
      const raw = detections[nextResult].map(cloneFace);
      const truthToFace = matchTruth(raw.map((f) => f.box), truth.per_frame[nextResult].faces, 0.5);
      newest = { frame: nextResult, faces: tracker.update(raw, frameTime(nextResult)), truthToFace };
      nextResult += stride;
    }
    if (!newest) continue;
    const shownTruth = truth.per_frame[shown].faces;
    newest.truthToFace.forEach((i, t) => {
      if (i < 0 || !fullyVisible(shownTruth[t]) || !fullyVisible(truth.per_frame[newest!.frame].faces[t])) return;
      const face = newest!.faces[i];
      const g = shownTruth[t];
      const [gx, gy] = [g.x + g.w / 2, g.y + g.h / 2];
      const [ux, uy] = centre(face.box);
      if (!tracker.predict(face.id!, frameTime(shown), out)) return;
      const [px, py] = centre(out.box);
      unpredicted += Math.hypot(ux - gx, uy - gy);
      predicted += Math.hypot(px - gx, py - gy);
      samples++;
    });
  }
  return { unpredicted: unpredicted / samples, predicted: predicted / samples, samples };
}

/**
 * Landmark jitter of what the overlay draws on a still clip: per displayed frame the newest result (arrived
 * `latency` frames after its frame), drawn as it is or predicted to the displayed frame's time. Mean over faces
 * and coordinates of the std over displayed frames (px).
 */
export function overlayJitter(detections: ClipDetections, truth: ClipTruth, options: FaceTrackerOptions, loop: LoopSimulation): { unpredicted: number; predicted: number } {
  const stride = loop.stride ?? 1;
  const latency = loop.latency ?? 0;
  const tracker = new FaceTracker(options);
  const frameTime = (frame: number) => (frame * 1000) / loop.fps;
  let newest: { faces: Face[]; truthToFace: number[] } | null = null;
  let nextResult = 0;
  const out: Face = { box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [] };
  const series = new Map<string, { u: number[]; p: number[] }>();
  for (let shown = 0; shown < detections.length; shown++) {
    while (nextResult < detections.length && nextResult + latency <= shown) {
      const raw = detections[nextResult].map(cloneFace);
      const truthToFace = matchTruth(raw.map((f) => f.box), truth.per_frame[nextResult].faces, 0.5);
      newest = { faces: tracker.update(raw, frameTime(nextResult)), truthToFace };
      nextResult += stride;
    }
    if (!newest) continue;
    newest.truthToFace.forEach((i, t) => {
      if (i < 0) return;
      const face = newest!.faces[i];
      if (!tracker.predict(face.id!, frameTime(shown), out)) return;
      face.landmarks.forEach((p, k) => {
        for (const c of [0, 1]) {
          const key = `${t}:${k}:${c}`;
          const s = series.get(key) ?? { u: [], p: [] };
          s.u.push(p[c]);
          s.p.push(out.landmarks[k][c]);
          series.set(key, s);
        }
      });
    });
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const std = (a: number[]) => {
    const m = mean(a);
    return Math.sqrt(mean(a.map((v) => (v - m) ** 2)));
  };
  const all = [...series.values()];
  return { unpredicted: mean(all.map((s) => std(s.u))), predicted: mean(all.map((s) => std(s.p))) };
}
