import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import type { DescriptorOverrides, ModelIO } from '../../src/core/index.ts';
import { FaceSession, sessionModelIO } from '../../src/runtime/face-session.ts';

ort.env.wasm.numThreads = 1;

export { ort };

/** A FaceSession on a model file (WASM, 1 thread). */
export function loadSession(path: string, descriptor?: DescriptorOverrides): Promise<FaceSession> {
  return FaceSession.load(ort, new Uint8Array(readFileSync(path)), { source: path, descriptor });
}

/** What a real onnxruntime session reports about a model's inputs and outputs (a file path or the bytes). */
export async function modelIO(model: string | Uint8Array): Promise<ModelIO> {
  const session = await ort.InferenceSession.create(typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model);
  try {
    return sessionModelIO(session);
  } finally {
    await session.release();
  }
}
