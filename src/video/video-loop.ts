import { DisposedError, type Face, type Size } from '../core/index.ts';
import type { DetectionResult, VideoFrameInfo } from '../options/face-detector-options.ts';

export interface VideoWatcher {
  stop(): void;
  readonly running: boolean;
  /** Frames detected, and frames dropped because a newer one replaced them while the worker was busy. */
  readonly stats: { detected: number; dropped: number };
  /**
   * The latest result's faces predicted at `time` (ms, `performance.now()`; e.g. requestVideoFrameCallback's
   * `expectedDisplayTime` of the frame being drawn): each tracked face moved by its velocity, so an overlay keeps
   * up with motion between results. The array and its faces are reused by the next call. Without tracking, the
   * latest faces as they are.
   */
  predict(time: number): Face[];
  /** With `inputSize: 'auto'`, the input size it runs now; otherwise null. */
  readonly inputSize: Readonly<Size> | null;
}

/** What the loop asks of the tracking it reports. */
export interface LiveState {
  predict(time: number): Face[];
  readonly inputSize: Readonly<Size> | null;
}

/** Takes the current frame now and sends it as the stream's newest; resolves with its result, or null if replaced. */
export type LiveFrameSink = (frame: VideoFrameInfo) => Promise<DetectionResult | null>;

export interface VideoLoopHooks {
  /** Called when a detection fails (the loop goes on, except after dispose). */
  onError: (error: unknown) => void;
  /** Called once when the loop stops. */
  onStop?: () => void;
  /** The clock, ms. Defaults to `performance.now`. */
  now?: () => number;
}

/**
 * Frames sent and not yet answered at most: one running, one waiting in the worker, one on its way to replace
 * the waiting one. A frame that comes when this many are out is dropped on the page (bounded memory however
 * slow the detections are).
 */
export const MAX_FRAMES_IN_FLIGHT = 3;

/**
 * How early, before the running frame is expected to finish, the loop takes the frame that will wait: this many
 * frame intervals, plus `RUN_TIME_MARGIN` of the run time (runs vary). Taken earlier, a frame would only be
 * replaced by a newer one, and each taken frame costs the page a bitmap.
 */
const LEAD_FRAMES = 1.5;
const RUN_TIME_MARGIN = 0.15;
/** Weight of the newest sample in the running averages of the worker's time per frame and the frame interval. */
const SMOOTHING = 0.2;

/**
 * When the worker will be free, from what the loop sees: a run starts when a frame is sent to an idle worker, or
 * when the previous result comes back while a frame waits; it lasts about the worker's time per frame (pack +
 * inference + decode of the last results, averaged).
 */
class RunClock {
  private runTime = NaN;
  private frameInterval = 1000 / 30;
  private lastFrameAt = NaN;
  private runStartedAt = NaN;
  /** When the frame now waiting (or on its way) was taken; NaN if none. */
  private waitingTakenAt = NaN;

  frameShown(at: number): void {
    const interval = at - this.lastFrameAt;
    if (interval > 0 && interval < 250) this.frameInterval += SMOOTHING * (interval - this.frameInterval);
    this.lastFrameAt = at;
  }

  /**
   * Whether a frame shown now should be taken, with `inFlight` frames out: always when none is running; while
   * one runs, only once its end is near, and only one frame per run.
   */
  shouldTake(at: number, inFlight: number): boolean {
    if (inFlight === 0 || Number.isNaN(this.runTime) || Number.isNaN(this.runStartedAt)) return true;
    const from = this.runStartedAt + this.runTime * (1 - RUN_TIME_MARGIN) - LEAD_FRAMES * this.frameInterval;
    return at >= from && !(this.waitingTakenAt >= from);
  }

  taken(at: number, inFlight: number): void {
    if (inFlight === 0) this.runStartedAt = at;
    else this.waitingTakenAt = at;
  }

  /** A result came back (null: a waiting frame was replaced, no run ended); `stillOut` frames are out after it. */
  answered(at: number, result: DetectionResult | null, stillOut: number): void {
    if (!result) return;
    const { pack, inference, decode } = result.timings;
    const spent = pack + inference + decode;
    if (spent > 0) this.runTime = Number.isNaN(this.runTime) ? spent : this.runTime + SMOOTHING * (spent - this.runTime);
    this.ended(at, stillOut);
  }

  /** A run ended (with a result or an error): the frame that waited, if one did, starts now. */
  ended(at: number, stillOut: number): void {
    this.runStartedAt = stillOut > 0 ? at : NaN;
    this.waitingTakenAt = NaN;
  }
}

type FrameMetadata = { expectedDisplayTime?: number; captureTime?: number; mediaTime?: number };
type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, metadata: FrameMetadata) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/**
 * The live loop: new video frames (requestVideoFrameCallback; requestAnimationFrame where missing) are taken and
 * sent as the newest frame of their stream. The worker runs one frame while the next one waits, so it is never
 * idle while frames come; a frame that comes while one already waits replaces it (the older is dropped, never
 * queued), so latency does not grow. While a frame runs, the loop takes the next one only shortly before the run
 * is expected to end (`RunClock`): about one frame taken per result, however fast the camera. Results arrive in
 * the order their frames were taken.
 */
export function watchVideo(
  video: HTMLVideoElement,
  send: LiveFrameSink,
  onResult: (result: DetectionResult) => void,
  hooks: VideoLoopHooks,
  live: LiveState = { predict: () => [], inputSize: null },
): VideoWatcher {
  const v = video as FrameCallbackVideo;
  const perFrame = typeof v.requestVideoFrameCallback === 'function';
  let running = true;
  let handle = 0;
  let inFlight = 0;
  const stats = { detected: 0, dropped: 0 };
  const clock = hooks.now ?? (() => performance.now());
  const runs = new RunClock();

  const delivered = (result: DetectionResult | null) => {
    inFlight--;
    runs.answered(clock(), result, inFlight);
    if (result === null) stats.dropped++;
    else {
      stats.detected++;
      if (running) onResult(result);
    }
  };
  const failed = (error: unknown) => {
    inFlight--;
    runs.ended(clock(), inFlight);
    if (error instanceof DisposedError) watcher.stop();
    else if (running) hooks.onError(error);
  };
  const schedule = () => {
    if (!running) return;
    handle = perFrame ? v.requestVideoFrameCallback!(onFrame) : requestAnimationFrame(onFrame);
  };
  function onFrame(now: number, metadata?: FrameMetadata): void {
    schedule();
    if (video.readyState < 2 || video.videoWidth === 0) return;
    const at = clock();
    runs.frameShown(at);
    if (inFlight >= MAX_FRAMES_IN_FLIGHT || !runs.shouldTake(at, inFlight)) {
      stats.dropped++;
      return;
    }
    runs.taken(at, inFlight);
    inFlight++;
    const frame: VideoFrameInfo = {
      time: metadata?.expectedDisplayTime ?? now,
      captureTime: metadata?.captureTime,
      mediaTime: metadata?.mediaTime ?? video.currentTime,
    };
    send(frame).then(delivered, failed);
  }

  const watcher: VideoWatcher = {
    stop() {
      if (!running) return;
      running = false;
      if (perFrame) v.cancelVideoFrameCallback?.(handle);
      else cancelAnimationFrame(handle);
      hooks.onStop?.();
    },
    get running() {
      return running;
    },
    stats,
    predict: (time) => live.predict(time),
    get inputSize() {
      return live.inputSize;
    },
  };
  schedule();
  return watcher;
}
