// The side-by-side page: every detector in its own iframe, all created first, then driven one call each in turn.
import type { FrameApi, ReadyInfo } from './frame.ts';
import type { DetectorSpec } from './detectors.ts';

const frames = new Map<string, FrameApi>();

async function addFrame(spec: DetectorSpec, score: number): Promise<ReadyInfo | { error: string }> {
  const iframe = document.createElement('iframe');
  iframe.src = `frame.html?${new URLSearchParams({ spec: JSON.stringify(spec), score: String(score) })}`;
  const loaded = new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  document.body.append(iframe);
  await loaded;
  const api = (iframe.contentWindow as unknown as { peer: FrameApi }).peer;
  try {
    const ready = await api.ready!;
    frames.set(spec.id, api);
    return ready;
  } catch (error) {
    iframe.remove();
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Every frame decodes the same bytes itself. */
async function setFrame(url: string): Promise<Record<string, { width: number; height: number }>> {
  const bytes = await (await fetch(url)).arrayBuffer();
  const sizes: Record<string, { width: number; height: number }> = {};
  for (const [id, api] of frames) sizes[id] = await api.setFrame(bytes);
  return sizes;
}

/** One round: one timed call per detector, in the given order. */
async function round(ids: string[]): Promise<Record<string, { ms: number; faces: number }>> {
  const calls: Record<string, { ms: number; faces: number }> = {};
  for (const id of ids) calls[id] = await frames.get(id)!.timeDetect();
  return calls;
}

Object.assign(window, { harness: { addFrame, setFrame, round }, harnessReady: true });
