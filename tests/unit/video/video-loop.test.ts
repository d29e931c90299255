// The live loop, with a video whose frames the test presents and a worker stand-in that keeps the real
// worker's rule (one frame running, at most one waiting, a newer frame replaces the waiting one).
import { describe, expect, it } from 'vitest';
import { DisposedError } from '../../../src/core/index.ts';
import type { DetectionResult, VideoFrameInfo } from '../../../src/options/face-detector-options.ts';
import { MAX_FRAMES_IN_FLIGHT, watchVideo } from '../../../src/video/video-loop.ts';

type Metadata = { expectedDisplayTime: number; mediaTime: number; captureTime?: number };

/** What watchVideo uses of a <video>: frame callbacks with metadata, readyState, videoWidth. */
class FakeVideo {
  readyState = 4;
  videoWidth = 640;
  currentTime = 0;
  private callbacks = new Map<number, (now: number, m: Metadata) => void>();
  private next = 1;
  private frames = 0;
  requestVideoFrameCallback(cb: (now: number, m: Metadata) => void): number {
    this.callbacks.set(this.next, cb);
    return this.next++;
  }
  cancelVideoFrameCallback(handle: number): void {
    this.callbacks.delete(handle);
  }
  /** Presents the next frame (33 ms apart). */
  frame(): void {
    const n = this.frames++;
    const pending = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const cb of pending) cb(1000 + 33 * n, { expectedDisplayTime: 1000 + 33 * n, mediaTime: n / 30, captureTime: 990 + 33 * n });
  }
  get waiting(): number {
    return this.callbacks.size;
  }
}

interface Job {
  info: VideoFrameInfo;
  resolve: (r: DetectionResult | null) => void;
  reject: (e: unknown) => void;
}

/** The worker's rule for a live stream, finished by the test. */
class FakeWorker {
  running: Job | null = null;
  waiting: Job | null = null;
  maxWaiting = 0;
  sent: number[] = [];
  /** The run time its results report (0: none, so the loop has no estimate and takes every frame). */
  runMs = 0;
  send = (info: VideoFrameInfo): Promise<DetectionResult | null> =>
    new Promise((resolve, reject) => {
      this.sent.push(info.mediaTime);
      const job = { info, resolve, reject };
      if (!this.running) this.running = job;
      else {
        this.waiting?.resolve(null); // replaced: answered at once
        this.waiting = job;
      }
      this.maxWaiting = Math.max(this.maxWaiting, this.waiting ? 1 : 0);
    });
  /** The running frame finishes; the waiting one starts. */
  finish(error?: unknown): void {
    const job = this.running!;
    this.running = this.waiting;
    this.waiting = null;
    if (error) job.reject(error);
    else job.resolve({ faces: [], frame: job.info, timings: { pack: 0, inference: this.runMs, decode: 0 } } as unknown as DetectionResult);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const noErrors = { onError: (e: unknown) => { throw e; } };

describe('watchVideo (the live loop)', () => {
  it('the next frame waits while one runs, so the worker is never idle; a newer frame replaces the waiting one', async () => {
    const video = new FakeVideo();
    const worker = new FakeWorker();
    const results: number[] = [];
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, (r) => results.push(r.frame!.mediaTime), noErrors);
    video.frame(); // 0 runs
    video.frame(); // 1 waits
    expect(worker.running?.info.mediaTime).toBe(0);
    expect(worker.waiting?.info.mediaTime).toBe(1 / 30);
    video.frame(); // 2 replaces 1
    await tick();
    video.frame(); // 3 replaces 2
    await tick();
    expect(w.stats).toEqual({ detected: 0, dropped: 2 });
    worker.finish(); // 0 done; 3 starts at once
    expect(worker.running?.info.mediaTime).toBe(3 / 30);
    await tick();
    worker.finish();
    await tick();
    expect(results).toEqual([0, 3 / 30]); // in the order the frames were taken
    expect(worker.maxWaiting).toBe(1);
    expect(w.stats).toEqual({ detected: 2, dropped: 2 });
    expect(worker.sent).toHaveLength(4);
    w.stop();
  });

  it('while a frame runs, the next is taken shortly before the run ends: about one frame taken per result, the worker never idle', async () => {
    // A 30 fps camera and a worker taking 100 ms a frame, on a clock the test moves 1 ms at a time.
    let t = 0;
    const video = new FakeVideo();
    const worker = new FakeWorker();
    worker.runMs = 100;
    const starts: { at: number; shownAt: number }[] = [];
    let runningSince = -1;
    const send = (info: VideoFrameInfo) => {
      if (!worker.running) starts.push({ at: t, shownAt: t });
      return worker.send({ ...info, time: t });
    };
    const w = watchVideo(video as unknown as HTMLVideoElement, send, () => undefined, { ...noErrors, now: () => t });
    let idle = 0;
    for (; t < 3000; t++) {
      if (t % 33 === 0) video.frame();
      if (worker.running && runningSince < 0) runningSince = t;
      if (worker.running && t - runningSince >= worker.runMs) {
        worker.finish();
        runningSince = worker.running ? t : -1;
        if (worker.running) starts.push({ at: t, shownAt: worker.running.info.time });
        await tick();
      }
      if (!worker.running && t > 100) idle++;
    }
    const results = w.stats.detected;
    expect(results).toBeGreaterThanOrEqual(28); // 3 s of 100 ms runs, back to back
    expect(idle).toBe(0);
    // Without the pacing every shown frame would be taken (~3 per result); with it, one per result, plus those
    // taken before the first result gave the loop a run time, and the one still out at the end.
    expect(worker.sent.length).toBeLessThanOrEqual(results + MAX_FRAMES_IN_FLIGHT + 1);
    // A frame starts at most the lead (1.5 frame intervals + 15 % of the run) after it was shown.
    for (const { at, shownAt } of starts) expect(at - shownAt).toBeLessThanOrEqual(1.5 * 33 + 15 + 1);
    w.stop();
  });

  it(`at most ${MAX_FRAMES_IN_FLIGHT} frames are out at once (running, waiting, on its way): more are dropped on the page`, async () => {
    const video = new FakeVideo();
    const worker = new FakeWorker();
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, () => undefined, noErrors);
    for (let k = 0; k < 10; k++) video.frame(); // before the page hears of any replacement
    expect(worker.sent).toHaveLength(MAX_FRAMES_IN_FLIGHT);
    await tick();
    expect(w.stats.dropped).toBe(10 - 2); // 1 replaced in the worker, 7 never sent; 0 runs, 2 waits
    w.stop();
  });

  it("each frame carries when it was shown, captured and where it is in the media", async () => {
    const video = new FakeVideo();
    const worker = new FakeWorker();
    const frames: VideoFrameInfo[] = [];
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, (r) => frames.push(r.frame!), noErrors);
    video.frame();
    worker.finish();
    await tick();
    expect(frames[0]).toEqual({ time: 1000, captureTime: 990, mediaTime: 0 });
    w.stop();
  });

  it('waits while the video has no frame', () => {
    const video = new FakeVideo();
    video.readyState = 1;
    const worker = new FakeWorker();
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, () => undefined, noErrors);
    video.frame();
    expect(worker.sent).toHaveLength(0);
    w.stop();
  });

  it('stop() ends it: no more frame callbacks, results still landing are not delivered, onStop once', async () => {
    const video = new FakeVideo();
    const worker = new FakeWorker();
    const results: unknown[] = [];
    let stops = 0;
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, (r) => results.push(r), { ...noErrors, onStop: () => stops++ });
    video.frame();
    video.frame();
    w.stop();
    w.stop();
    expect(video.waiting).toBe(0);
    expect(w.running).toBe(false);
    worker.finish();
    worker.finish();
    await tick();
    expect(results).toEqual([]);
    expect(stops).toBe(1);
  });

  it('errors go to onError and the loop goes on; DisposedError stops it', async () => {
    const video = new FakeVideo();
    const worker = new FakeWorker();
    const errors: unknown[] = [];
    const w = watchVideo(video as unknown as HTMLVideoElement, worker.send, () => undefined, { onError: (e) => errors.push(e) });
    video.frame();
    worker.finish(new Error('boom'));
    await tick();
    expect(errors).toHaveLength(1);
    expect(w.running).toBe(true);
    video.frame();
    worker.finish(new DisposedError('gone'));
    await tick();
    expect(w.running).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
