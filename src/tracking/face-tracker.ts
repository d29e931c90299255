// Tracks with stable ids over a video's results: association by IoU and landmark distance, survival over a few
// missed results, new ids for new faces (never reused), optional One Euro smoothing, and a velocity per track
// for prediction between results.
import { InvalidInputError, type Face } from '../core/index.ts';
import { channelsPerFace, DEFAULT_LANDMARK_COUNT, readFace, writeFace } from './face-channels.ts';
import { checkMaxPredictionMs, DEFAULT_MAX_PREDICTION_MS, predictionHorizon } from './motion-prediction.ts';
import { checkOneEuroParams, DEFAULT_ONE_EURO, OneEuroFilterBank, type OneEuroParams } from './one-euro-filter.ts';
import { checkVelocityCutoff, DEFAULT_VELOCITY_CUTOFF, VelocityEstimatorBank } from './velocity-estimator.ts';

/** Options of a `FaceTracker`; every field has a default (`DEFAULT_FACE_TRACKER_OPTIONS`). */
export interface FaceTrackerOptions {
  /**
   * Least IoU between a track's box, moved by its velocity to the new frame's time, and a face's box for the
   * two to be the same face. Defaults to 0.25.
   */
  minIou?: number;
  /**
   * Largest mean distance between a track's landmarks (moved like its box) and a face's, as a share of the
   * face's size ((width + height) / 2), for the two to be the same face. Defaults to 0.6.
   */
  maxLandmarkDistance?: number;
  /**
   * A track that finds no face in more than this many updates in a row is dropped; a face seen again after that
   * gets a new id. Defaults to 5 (`DEFAULT_MAX_MISSED`), a sixth of a second at 30 results a second.
   */
  maxMissed?: number;
  /**
   * One Euro smoothing of each track's box corners and landmarks (speed in face sizes per second, so the
   * parameters hold for any face size), or `false` for the raw coordinates. Defaults to `DEFAULT_ONE_EURO`
   * (minCutoff 0.1 Hz, beta 8, derivateCutoff 0.3 Hz); fields left out take those values.
   */
  smoothing?: OneEuroParams | false;
  /**
   * Cutoff of each track's velocity estimate, in Hz (the velocity of the smoothed coordinates when smoothing is
   * on, of the raw ones when off). Defaults to 4 (`DEFAULT_VELOCITY_CUTOFF`).
   */
  velocityCutoff?: number;
  /**
   * The longest time, in ms, a track is extrapolated by its velocity: for association with a later frame and by
   * `predict()`. Defaults to 200 (`DEFAULT_MAX_PREDICTION_MS`).
   */
  maxPredictionMs?: number;
  /** Landmarks per face that are tracked, smoothed and predicted (more are left as they are). Defaults to 5. */
  landmarkCount?: number;
}

export const DEFAULT_MIN_IOU = 0.25;
export const DEFAULT_MAX_LANDMARK_DISTANCE = 0.6;
export const DEFAULT_MAX_MISSED = 5;

export const DEFAULT_FACE_TRACKER_OPTIONS: Readonly<Required<FaceTrackerOptions>> = Object.freeze({
  minIou: DEFAULT_MIN_IOU,
  maxLandmarkDistance: DEFAULT_MAX_LANDMARK_DISTANCE,
  maxMissed: DEFAULT_MAX_MISSED,
  smoothing: DEFAULT_ONE_EURO,
  velocityCutoff: DEFAULT_VELOCITY_CUTOFF,
  maxPredictionMs: DEFAULT_MAX_PREDICTION_MS,
  landmarkCount: DEFAULT_LANDMARK_COUNT,
});

const KNOWN_OPTIONS = new Set(Object.keys(DEFAULT_FACE_TRACKER_OPTIONS));

/** The options with their defaults applied; throws `InvalidInputError` naming a bad or unknown one. */
export function resolveFaceTrackerOptions(options: FaceTrackerOptions = {}): Required<FaceTrackerOptions> {
  if (options === null || typeof options !== 'object') throw new InvalidInputError(`Tracker options must be an object; got ${String(options)}.`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidInputError(`Unknown tracker option "${key}"; known: ${[...KNOWN_OPTIONS].join(', ')}.`);
  }
  const o = { ...DEFAULT_FACE_TRACKER_OPTIONS, ...options };
  const inRange = (key: 'minIou' | 'maxLandmarkDistance', v: number, max: number) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= max)) throw new InvalidInputError(`${key} must be a number from 0 to ${max}; got ${String(v)}.`);
  };
  inRange('minIou', o.minIou, 1);
  inRange('maxLandmarkDistance', o.maxLandmarkDistance, Number.MAX_VALUE);
  for (const key of ['maxMissed', 'landmarkCount'] as const) {
    const v = o[key];
    if (!Number.isInteger(v) || v < 0) throw new InvalidInputError(`${key} must be a whole number ≥ 0; got ${String(v)}.`);
  }
  if (o.smoothing !== false) {
    if (o.smoothing === null || typeof o.smoothing !== 'object') {
      throw new InvalidInputError(`smoothing must be false or {minCutoff, beta, derivateCutoff}; got ${String(o.smoothing)}.`);
    }
    o.smoothing = { ...DEFAULT_ONE_EURO, ...o.smoothing };
    checkOneEuroParams(o.smoothing, 'smoothing.');
  }
  checkVelocityCutoff(o.velocityCutoff);
  checkMaxPredictionMs(o.maxPredictionMs);
  return o;
}

/**
 * Gives each face of a video's results an `id` that stays while the face stays in view, and (unless smoothing is
 * off) replaces its box and landmarks with their One Euro-filtered values.
 *
 * Association: every live track is moved by its velocity to the new frame's time; a (track, face) pair is a
 * candidate when their boxes overlap by at least `minIou` and their landmarks are within `maxLandmarkDistance`
 * face sizes, and its score is IoU − landmark distance. Pairs are taken greedily, best score first. Greedy rather
 * than Hungarian: after NMS two faces of one frame overlap by IoU < 0.4, so a track nearly always has one
 * candidate and both give the same pairs; where two faces cross closely, the clearest match winning (with motion
 * already taken into account) is the behaviour to want, and maximizing the sum instead can pair both faces worse.
 *
 * Memory: the state lives in typed arrays sized for the most tracks and faces seen so far (grown by doubling,
 * the only allocation of `update` and `predict`). The per-frame output is the caller's own face objects,
 * annotated in place: `id` set, box and landmark coordinates overwritten with the smoothed ones. (V8 may still
 * spend a few bytes on those objects: a face without an `id` property grows one, and the first write of a
 * number into a freshly cloned object can box it.) Ids count up from 1 and stay below 2³¹.
 */
export class FaceTracker {
  readonly options: Readonly<Required<FaceTrackerOptions>>;
  private readonly stride: number;
  private readonly smoother: OneEuroFilterBank | null;
  private readonly motion: VelocityEstimatorBank;
  private nextId = 1;
  private count = 0;
  private lastTime = -Infinity;

  // Per track (slot): id, missed updates in a row, time of the last match, last score, landmarks it has.
  private ids = new Int32Array(0);
  private missed = new Int32Array(0);
  private seen = new Float64Array(0);
  private scores = new Float64Array(0);
  private points = new Int32Array(0);
  // Scratch: tracks moved to the frame's time, the frame's faces as channels, candidate pairs, matches.
  private moved = new Float64Array(0);
  private faceValues = new Float64Array(0);
  private faceLandmarks = new Int32Array(0);
  private candidateScore = new Float64Array(0);
  private candidateTrack = new Int32Array(0);
  private candidateFace = new Int32Array(0);
  private trackMatch = new Int32Array(0);
  private faceMatch = new Int32Array(0);

  constructor(options: FaceTrackerOptions = {}) {
    this.options = Object.freeze(resolveFaceTrackerOptions(options));
    this.stride = channelsPerFace(this.options.landmarkCount);
    const smoothing = this.options.smoothing;
    this.smoother = smoothing === false ? null : new OneEuroFilterBank(smoothing);
    this.motion = new VelocityEstimatorBank(this.options.velocityCutoff);
  }

  /** Live tracks (seen within the last `maxMissed` updates). */
  get trackCount(): number {
    return this.count;
  }

  /** Whether a track with this id is live. */
  hasTrack(id: number): boolean {
    return this.slotOf(id) >= 0;
  }

  /** Drops every track (ids go on counting: a face seen after a reset gets a new one). */
  reset(): void {
    this.count = 0;
    this.lastTime = -Infinity;
  }

  /**
   * Takes the faces detected on the frame shown at `frameTime` (ms, any clock that increases) and returns the
   * same array, each face given its track's `id` and, with smoothing on, its smoothed box and landmarks (copy a
   * face first if you need its raw coordinates). Faces keep their order. A `frameTime` before the previous one
   * (a seek, a file that loops) drops every track first; the same time again is associated but not filtered.
   */
  update<T extends Face>(faces: T[], frameTime: number): T[] {
    if (!Array.isArray(faces)) throw new InvalidInputError(`update() takes an array of faces; got ${String(faces)}.`);
    if (typeof frameTime !== 'number' || !Number.isFinite(frameTime)) {
      throw new InvalidInputError(`update() takes a finite frame time in ms; got ${String(frameTime)}.`);
    }
    if (frameTime < this.lastTime) this.reset();
    this.lastTime = frameTime;
    const stride = this.stride;
    const nFaces = faces.length;
    this.reserveFaces(nFaces);
    this.reserveTracks(this.count + nFaces);
    this.reserveCandidates(this.count * nFaces);

    for (let f = 0; f < nFaces; f++) {
      this.faceLandmarks[f] = readFace(faces[f], this.options.landmarkCount, this.faceValues, f * stride);
      this.faceMatch[f] = -1;
    }
    for (let t = 0; t < this.count; t++) {
      this.trackMatch[t] = -1;
      this.moveTrack(t, frameTime, this.moved, t * stride);
    }
    this.associate(nFaces);

    // Matched tracks take their face; the others miss an update.
    for (let t = 0; t < this.count; t++) {
      const f = this.trackMatch[t];
      if (f < 0) {
        this.missed[t]++;
        continue;
      }
      this.missed[t] = 0;
      this.absorb(t, faces[f], f, frameTime);
    }
    // New faces start new tracks.
    for (let f = 0; f < nFaces; f++) {
      if (this.faceMatch[f] >= 0) continue;
      const t = this.count++;
      const first = t * stride;
      this.ids[t] = this.nextId++;
      this.missed[t] = 0;
      this.motion.reset(first, stride);
      this.smoother?.reset(first, stride);
      this.absorb(t, faces[f], f, frameTime);
    }
    // Drop tracks missed too long (swap with the last slot; new tracks are never dropped).
    for (let t = this.count - 1; t >= 0; t--) if (this.missed[t] > this.options.maxMissed) this.removeSlot(t);
    return faces;
  }

  /**
   * Writes the track `id` as predicted at `time` (ms) into `out`: its last (smoothed) box and landmarks moved by
   * its velocity over min(time − its last frame time, `maxPredictionMs`), never backwards; score and id too.
   * Returns false, leaving `out` as it is, when no live track has that id. Allocates nothing once `out` has
   * `landmarkCount` landmark points.
   */
  predict(id: number, time: number, out: Face): boolean {
    const t = this.slotOf(id);
    if (t < 0) return false;
    const first = t * this.stride;
    this.moveTrack(t, time, this.moved, first); // scratch: rewritten before any other use
    writeFace(this.moved, first, this.points[t], out);
    out.landmarks.length = this.points[t];
    out.score = this.scores[t];
    out.id = id;
    return true;
  }

  /**
   * Writes the velocity of track `id` into `out` (pixels per ms, channel layout: x1, y1, x2, y2, then x, y of
   * each landmark; `4 + 2 · landmarkCount` values) for `predictFace`. Returns false when there is no such track.
   */
  velocityOf(id: number, out: Float64Array | number[]): boolean {
    const t = this.slotOf(id);
    if (t < 0) return false;
    for (let c = 0; c < this.stride; c++) out[c] = this.motion.velocityOf(t * this.stride + c);
    return true;
  }

  /** Frame time of the last face of track `id` (NaN when there is no such track). */
  lastSeen(id: number): number {
    const t = this.slotOf(id);
    return t < 0 ? NaN : this.seen[t];
  }

  // ---- internals ----

  private slotOf(id: number): number {
    for (let t = 0; t < this.count; t++) if (this.ids[t] === id) return t;
    return -1;
  }

  /**
   * Track t's last face as shown (smoothed, or raw when smoothing is off: what the velocity bank was given) moved
   * by its velocity to `time`, within the horizon, into `out` at `offset`.
   */
  private moveTrack(t: number, time: number, out: Float64Array, offset: number): void {
    const first = t * this.stride;
    const dt = predictionHorizon(this.seen[t], time, this.options.maxPredictionMs);
    const used = 4 + 2 * this.points[t];
    for (let c = 0; c < used; c++) out[offset + c] = this.motion.lastOf(first + c) + this.motion.velocityOf(first + c) * dt;
  }

  private associate(nFaces: number): void {
    const { minIou, maxLandmarkDistance } = this.options;
    const stride = this.stride;
    const m = this.moved;
    const v = this.faceValues;
    let n = 0;
    for (let t = 0; t < this.count; t++) {
      const a = t * stride;
      for (let f = 0; f < nFaces; f++) {
        const b = f * stride;
        const overlap = boxIou(m[a], m[a + 1], m[a + 2], m[a + 3], v[b], v[b + 1], v[b + 2], v[b + 3]);
        if (!(overlap >= minIou)) continue;
        const points = Math.min(this.faceLandmarks[f], this.points[t]);
        let distance = 0;
        if (points > 0) {
          let sum = 0;
          for (let i = 0; i < points; i++) {
            const dx = m[a + 4 + 2 * i] - v[b + 4 + 2 * i];
            const dy = m[a + 5 + 2 * i] - v[b + 5 + 2 * i];
            sum += Math.sqrt(dx * dx + dy * dy); // not Math.hypot: V8's allocates
          }
          const size = (v[b + 2] - v[b] + v[b + 3] - v[b + 1]) / 2;
          distance = sum / points / (size > 0 ? size : 1);
        }
        if (!(distance <= maxLandmarkDistance)) continue;
        this.candidateScore[n] = overlap - distance;
        this.candidateTrack[n] = t;
        this.candidateFace[n] = f;
        n++;
      }
    }
    sortCandidates(this.candidateScore, this.candidateTrack, this.candidateFace, n);
    for (let k = 0; k < n; k++) {
      const t = this.candidateTrack[k];
      const f = this.candidateFace[k];
      if (this.trackMatch[t] >= 0 || this.faceMatch[f] >= 0) continue;
      this.trackMatch[t] = f;
      this.faceMatch[f] = t;
    }
  }

  /** Track t takes face f (its channels in faceValues): velocity, smoothing, and the face is annotated. */
  private absorb(t: number, face: Face, f: number, frameTime: number): void {
    const stride = this.stride;
    const first = t * stride;
    const row = f * stride;
    const points = this.faceLandmarks[f];
    const used = 4 + 2 * points;
    this.seen[t] = frameTime;
    this.scores[t] = face.score;
    this.points[t] = points;
    face.id = this.ids[t];
    const v = this.faceValues;
    if (this.smoother) {
      const size = (v[row + 2] - v[row] + v[row + 3] - v[row + 1]) / 2; // faceSize()
      this.smoother.filterRow(first, v, row, used, frameTime, size > 0 ? 1 / size : 1);
      writeFace(v, row, points, face);
    }
    // The velocity of what is shown: of the smoothed values when smoothing is on, so that a still face, smoothed
    // still, is not set jittering again by a velocity made of its raw noise.
    this.motion.updateRow(first, v, row, used, frameTime);
  }

  private removeSlot(t: number): void {
    const last = this.count - 1;
    if (t !== last) {
      const stride = this.stride;
      this.ids[t] = this.ids[last];
      this.missed[t] = this.missed[last];
      this.seen[t] = this.seen[last];
      this.scores[t] = this.scores[last];
      this.points[t] = this.points[last];
      this.motion.move(last * stride, t * stride, stride);
      this.smoother?.move(last * stride, t * stride, stride);
    }
    this.count = last;
  }

  private reserveTracks(tracks: number): void {
    if (tracks > this.ids.length) {
      const size = Math.max(tracks, 2 * this.ids.length, 8);
      this.ids = grow(this.ids, new Int32Array(size));
      this.missed = grow(this.missed, new Int32Array(size));
      this.seen = grow(this.seen, new Float64Array(size));
      this.scores = grow(this.scores, new Float64Array(size));
      this.points = grow(this.points, new Int32Array(size));
      this.trackMatch = new Int32Array(size);
      this.moved = new Float64Array(size * this.stride);
    }
    this.motion.reserve(tracks * this.stride);
    this.smoother?.reserve(tracks * this.stride);
  }

  private reserveFaces(faces: number): void {
    if (faces <= this.faceMatch.length) return;
    const size = Math.max(faces, 2 * this.faceMatch.length, 8);
    this.faceMatch = new Int32Array(size);
    this.faceLandmarks = new Int32Array(size);
    this.faceValues = new Float64Array(size * this.stride);
  }

  private reserveCandidates(pairs: number): void {
    if (pairs <= this.candidateScore.length) return;
    const size = Math.max(pairs, 2 * this.candidateScore.length);
    this.candidateScore = new Float64Array(size);
    this.candidateTrack = new Int32Array(size);
    this.candidateFace = new Int32Array(size);
  }
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** IoU of two boxes given as corners (no +1: continuous coordinates). */
export function boxIou(ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number): number {
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

/**
 * Sorts the first n candidates by score, best first; equal scores keep their order (track, then face), so the
 * result does not depend on the engine's sort. Insertion sort: the gates leave about one candidate per face.
 */
function sortCandidates(score: Float64Array, track: Int32Array, face: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const s = score[i];
    const t = track[i];
    const f = face[i];
    let j = i - 1;
    while (j >= 0 && score[j] < s) {
      score[j + 1] = score[j];
      track[j + 1] = track[j];
      face[j + 1] = face[j];
      j--;
    }
    score[j + 1] = s;
    track[j + 1] = t;
    face[j + 1] = f;
  }
}
