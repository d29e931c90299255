// The demo's results file (src/demo/results-file.ts): what a looping or seeked video leaves in it.
import { describe, expect, test } from 'vitest';
import type { DemoResult } from '../../src/demo/automation.ts';
import { ResultLog } from '../../src/demo/results-file.ts';

let seq = 0;
const result = (source: DemoResult['source'], videoTime?: number): DemoResult => ({
  seq: ++seq,
  source,
  faces: [],
  mirrored: false,
  sourceSize: { width: 640, height: 480 },
  inputSize: { width: 640, height: 480 },
  backend: 'wasm',
  timings: { capture: 1, pack: 1, transfer: 1, inference: 1, decode: 1, total: 5, mainThread: 1, draw: 1 },
  ...(videoTime !== undefined ? { videoTime } : {}),
});
const entries = (log: ResultLog) => (log.document({}) as { results: { videoTime?: number }[] }).results;
const times = (log: ResultLog) => entries(log).map((r) => r.videoTime);

describe('ResultLog', () => {
  test('a video played once: every result, in time order', () => {
    const log = new ResultLog();
    for (const t of [0.1, 0.3, 0.5, 0.7]) log.add(result('video', t));
    expect(times(log)).toEqual([0.1, 0.3, 0.5, 0.7]);
  });

  test('a looping video: each new pass replaces the span it has played again; one entry per time', () => {
    const log = new ResultLog();
    for (const t of [0.1, 0.3, 0.5, 0.7, 0.9]) log.add(result('video', t));
    for (const t of [0.05, 0.25, 0.4]) log.add(result('video', t)); // second pass, part way
    expect(times(log)).toEqual([0.05, 0.25, 0.4, 0.5, 0.7, 0.9]);
    for (const t of [0.6, 0.95]) log.add(result('video', t));
    expect(times(log)).toEqual([0.05, 0.25, 0.4, 0.6, 0.95]);
    for (const t of [0.1, 0.3]) log.add(result('video', t)); // third pass
    expect(times(log)).toEqual([0.1, 0.3, 0.4, 0.6, 0.95]);
  });

  test('the same time twice (a paused video) is one entry, the latest', () => {
    const log = new ResultLog();
    const a = result('video', 0.5);
    const b = result('video', 0.5);
    log.add(a);
    log.add(b);
    expect(entries(log)).toHaveLength(1);
    expect((log.document({}) as { results: unknown[] }).results).toEqual([expect.objectContaining({ videoTime: 0.5 })]);
    expect(log.size).toBe(1);
  });

  test('an image or the camera keeps only the latest result', () => {
    const log = new ResultLog();
    log.add(result('camera'));
    log.add(result('camera'));
    expect(log.size).toBe(1);
    log.add(result('image'));
    expect(entries(log)).toHaveLength(1);
  });
});
