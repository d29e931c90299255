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
    else job.resolve({ faces: [], frame: job.info } as unknown as DetectionResult);
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
