// Where a face is at another time than the frame it was detected on: constant-velocity extrapolation of its box
// corners and landmarks, over a capped horizon. Results of a video loop arrive about one inference after their
// frame; the overlay moves each face to the time of the frame on screen.
import { InvalidInputError, type Face } from '../core/index.ts';
import { BOX_CHANNELS } from './face-channels.ts';

/**
 * The longest extrapolation, in ms: a face is moved by at most this much time past its frame (farther ahead a
 * constant velocity is a guess; the face stays where the cap puts it). Defaults to 200 ms, about three
 * inferences of the default model here.
 */
export const DEFAULT_MAX_PREDICTION_MS = 200;

export function checkMaxPredictionMs(ms: number, what = 'maxPredictionMs'): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new InvalidInputError(`${what} must be a number of milliseconds ≥ 0 (Infinity for no cap); got ${String(ms)}.`);
  }
}

/**
 * How far to move a face detected at `frameTime` to show it at `time` (ms): time − frameTime, clamped to
 * [0, maxMs]. A time before the frame gives 0: a face is never moved backwards.
 */
export function predictionHorizon(frameTime: number, time: number, maxMs = DEFAULT_MAX_PREDICTION_MS): number {
  const dt = time - frameTime;
  return dt > 0 ? (dt < maxMs ? dt : maxMs) : 0;
}

/**
 * `face` moved by `velocity` for the horizon from `frameTime` to `time`, written into `out` (which may be `face`
 * itself). `velocity` is in pixels per ms in the channel layout (`face-channels.ts`): the box corners
 * x1, y1, x2, y2, then x, y of each landmark; landmarks without a velocity are copied unmoved. Score and id are
 * copied. Allocates nothing once `out` has as many landmark points as `face`.
 */
export function predictFace(
  face: Face,
  velocity: ArrayLike<number>,
  frameTime: number,
  time: number,
  out: Face,
  maxPredictionMs = DEFAULT_MAX_PREDICTION_MS,
): Face {
  const dt = predictionHorizon(frameTime, time, maxPredictionMs);
  const { x, y, width, height } = face.box;
  const x1 = x + velocity[0] * dt;
  const y1 = y + velocity[1] * dt;
  out.box.x = x1;
  out.box.y = y1;
  out.box.width = x + width + velocity[2] * dt - x1;
  out.box.height = y + height + velocity[3] * dt - y1;
  out.score = face.score;
  if (face.id !== undefined) out.id = face.id;
  const moved = Math.min(face.landmarks.length, (velocity.length - BOX_CHANNELS) >> 1);
  for (let i = 0; i < face.landmarks.length; i++) {
    const p = face.landmarks[i];
    const vx = i < moved ? velocity[BOX_CHANNELS + 2 * i] * dt : 0;
    const vy = i < moved ? velocity[BOX_CHANNELS + 2 * i + 1] * dt : 0;
    if (i < out.landmarks.length) {
      out.landmarks[i][0] = p[0] + vx;
      out.landmarks[i][1] = p[1] + vy;
    } else out.landmarks.push([p[0] + vx, p[1] + vy]);
  }
  out.landmarks.length = face.landmarks.length;
  return out;
}
