// The worker's service in Node: the real onnxruntime-web (WASM) behind it; the WebGPU device, which Node does
// not have, stood in for by a fake adapter whose "WebGPU" sessions run on WASM and fail once the device is lost.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  DisposedError,
  ImagePacker,
  InvalidInputError,
  ModelLoadError,
  planGeometry,
  tensorLength,
  type InputGeometry,
} from '../../../src/core/index.ts';
import { reviveError } from '../../../src/client/worker-client.ts';
import { DEFAULT_DETECT_SETTINGS } from '../../../src/options/resolve-options.ts';
import { decodeImageFile } from '../../../src/node/image-file.ts';
import { NodeDetector } from '../../../src/node/node-detector.ts';
import { chooseBackend } from '../../../src/runtime/backend-choice.ts';
import type { OrtModule } from '../../../src/runtime/face-session.ts';
import { DetectorService, type ServiceHost } from '../../../src/worker/detector-service.ts';
import type { LoadRequest } from '../../../src/worker/protocol.ts';
import { ort } from '../../support/engine.ts';
import { MODELS, PHOTOS } from '../../support/paths.ts';

const PHOTO = `${PHOTOS}/group-640x480.jpg`;
const modelBytes = () => readFileSync(MODELS.insightface).buffer.slice(0) as ArrayBuffer;
const request = (overrides: Partial<LoadRequest> = {}): LoadRequest => ({
  model: modelBytes(),
  source: MODELS.insightface,
  backend: 'wasm',
  descriptor: {},
  warmupSize: { width: 640, height: 480 },
  rgbaInput: false,
  ...overrides,
});

/** A packed tensor frame of the photo and its geometry. */
async function photoFrame(): Promise<{ tensor: Float32Array; geometry: InputGeometry }> {
  const image = await decodeImageFile(PHOTO);
  const geometry = planGeometry(image, null);
  const tensor = new ImagePacker({ channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] }).pack(image, geometry, new Float32Array(tensorLength(geometry)));
  return { tensor, geometry };
}

/** A stand-in WebGPU: an adapter whose device can be lost, and an ort module whose sessions fail on a lost device. */
function fakeGpu() {
  const state = { lost: false, failNextRun: null as string | null, devices: 0 };
  const device = () => {
    let resolveLost!: (info: { reason: string; message: string }) => void;
    const lost = new Promise<{ reason: string; message: string }>((r) => (resolveLost = r));
    state.devices++;
    return {
      lost,
      destroy() {
        state.lost = true;
        resolveLost({ reason: 'destroyed', message: '' });
      },
    } as unknown as GPUDevice;
  };
  const adapter = { info: { vendor: 'test', architecture: 'fake', isFallbackAdapter: false } } as unknown as GPUAdapter;
  const gpuOrt = {
    ...ort,
    // onnxruntime's WebGPU EP makes its device and hands it out as env.webgpu.device.
    env: { wasm: ort.env.wasm, webgpu: { powerPreference: undefined, get device() { return Promise.resolve(device()); } } },
    InferenceSession: {
      create: async (bytes: Uint8Array, options: object) => {
        const session = await ort.InferenceSession.create(bytes, { ...options, executionProviders: ['wasm'] });
        return new Proxy(session, {
          get(target, key) {
            if (key !== 'run') return Reflect.get(target, key);
            return (...args: unknown[]) => {
              if (state.lost) return Promise.reject(new Error('GPUDevice was lost'));
              if (state.failNextRun) {
                const message = state.failNextRun;
                state.failNextRun = null;
                return Promise.reject(new Error(message));
              }
              return (target.run as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      },
    },
  } as unknown as OrtModule;
  const host: ServiceHost = {
    loadOrt: async (backend) => (backend === 'webgpu' ? gpuOrt : (ort as unknown as OrtModule)),
    chooseBackend: (req) => chooseBackend(req, { requestAdapter: async () => adapter }),
    threads: { isolated: true, cores: 1 },
  };
  return { state, host };
}

const wasmHost: ServiceHost = { loadOrt: async () => ort as unknown as OrtModule, threads: { isolated: true, cores: 1 } };
const services: DetectorService[] = [];
const service = (host: ServiceHost) => {
  const s = new DetectorService(host);
  services.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose().catch(() => undefined)));
});

describe('DetectorService', () => {
  it('loads on WASM, warms up, and detects a tensor frame exactly as the Node host does', async () => {
    const s = service(wasmHost);
    const loaded = await s.load(request());
    expect(loaded).toMatchObject({ backend: 'wasm', reason: 'requested', numThreads: 1 });
    expect(loaded.descriptor.family).toBe('insightface');
    expect(loaded.warmupMs).toBeGreaterThan(0);
    const { tensor, geometry } = await photoFrame();
    const result = await s.detect({ kind: 'tensor', tensor }, geometry, DEFAULT_DETECT_SETTINGS);
    expect(result.tensor).toBe(tensor); // handed back for reuse
    expect(result.inputSize).toEqual({ width: 640, height: 480 });
    expect(result.backend).toBe('wasm');
    const node = await NodeDetector.create({ model: MODELS.insightface });
    try {
      expect(result.faces).toEqual((await node.detectFile(PHOTO)).faces);
    } finally {
      await node.release();
    }
  });

  it('the thread policy: 1 thread without cross-origin isolation, said in the reason', async () => {
    const s = service({ ...wasmHost, threads: { isolated: false, cores: 4 } });
    const loaded = await s.load(request({ numThreads: 4 }));
    expect(loaded.numThreads).toBe(1);
    expect(loaded.reason).toBe('requested; 1 WASM thread (the page is not cross-origin isolated)');
  });

  it('a lost WebGPU device moves the session to WASM: the next run reports the switch and gives the same faces', async () => {
    const gpu = fakeGpu();
    const s = service(gpu.host);
    expect((await s.load(request({ backend: 'auto' }))).backend).toBe('webgpu');
    const { tensor, geometry } = await photoFrame();
    const before = await s.detect({ kind: 'tensor', tensor }, geometry, DEFAULT_DETECT_SETTINGS);
    expect(before).toMatchObject({ backend: 'webgpu', backendChange: undefined });
    expect(await s.loseDevice()).toBe(true);
    const after = await s.detect({ kind: 'tensor', tensor: after_tensor(tensor) }, geometry, DEFAULT_DETECT_SETTINGS);
    expect(after.backend).toBe('wasm');
    expect(after.backendChange).toEqual({ from: 'webgpu', backend: 'wasm', reason: 'WebGPU device lost (destroyed); switched to WASM' });
    expect(after.faces).toEqual(before.faces);
    const later = await s.detect({ kind: 'tensor', tensor: after_tensor(tensor) }, geometry, DEFAULT_DETECT_SETTINGS);
    expect(later.backendChange).toBeUndefined();
    expect(await s.loseDevice()).toBe(false);
  });

  it('a failing WebGPU run (not a lost device) also moves to WASM and the run is retried', async () => {
    const gpu = fakeGpu();
    const s = service(gpu.host);
    await s.load(request({ backend: 'webgpu' }));
    gpu.state.failNextRun = 'out of memory';
    const { tensor, geometry } = await photoFrame();
    const r = await s.detect({ kind: 'tensor', tensor }, geometry, DEFAULT_DETECT_SETTINGS);
    expect(r.backendChange?.reason).toBe('WebGPU run failed (out of memory); switched to WASM');
    expect(r.faces.length).toBeGreaterThan(10);
  });

  it('a live stream: of the frames that wait when the worker picks, only the newest runs (the others are answered dropped at once); order kept', async () => {
    const s = service(wasmHost);
    await s.load(request());
    const { tensor, geometry } = await photoFrame();
    const settled: string[] = [];
    const seqs = new Map<number, number>();
    const frame = (name: string, stream = 1, seq = (seqs.get(stream) ?? 0) + 1) => {
      seqs.set(stream, Math.max(seq, seqs.get(stream) ?? 0));
      return s.detectLatest({ id: stream, seq }, { kind: 'tensor', tensor: after_tensor(tensor) }, geometry, DEFAULT_DETECT_SETTINGS).then((r) => {
        settled.push('dropped' in r ? `${name} dropped` : `${name} ${r.faces.length > 10 ? 'ok' : 'no faces'}`);
        return r;
      });
    };
    // All sent before the worker picks one, as frames that came during a run sit in its message queue.
    const a = frame('a');
    const b = frame('b');
    const single = s.detect({ kind: 'tensor', tensor: after_tensor(tensor) }, geometry, DEFAULT_DETECT_SETTINGS).then(() => settled.push('detect() ok'));
    const other = frame('x', 2); // another stream has its own slot
    const c = frame('c');
    await Promise.all([a, b, c, single, other]);
    expect(settled).toEqual(['a dropped', 'b dropped', 'detect() ok', 'x ok', 'c ok']);
    const dropped = await a;
    expect('dropped' in dropped && dropped.tensor).toBeInstanceOf(Float32Array); // the buffer comes back for reuse
    // A frame alone runs; one taken before a frame already received (its capture finished late) is dropped at once.
    expect('dropped' in (await frame('d'))).toBe(false);
    expect('dropped' in (await frame('late', 1, 2))).toBe(true);
  });

  it('dispose during a run: the run finishes, later tasks reject with DisposedError', async () => {
    const s = service(wasmHost);
    await s.load(request());
    const { tensor, geometry } = await photoFrame();
    const running = s.detect({ kind: 'tensor', tensor }, geometry, DEFAULT_DETECT_SETTINGS);
    const disposed = s.dispose();
    const late = s.detect({ kind: 'tensor', tensor: after_tensor(tensor) }, geometry, DEFAULT_DETECT_SETTINGS);
    expect((await running).faces.length).toBeGreaterThan(10);
    await disposed;
    await expect(late).rejects.toBeInstanceOf(DisposedError);
    await expect(s.load(request())).rejects.toBeInstanceOf(DisposedError);
  });

  it('errors keep their type: a bad frame is InvalidInputError (not a backend failure), a bad model ModelLoadError', async () => {
    const gpu = fakeGpu();
    const s = service(gpu.host);
    await s.load(request({ backend: 'webgpu' }));
    const { tensor, geometry } = await photoFrame();
    const error = await s.detect({ kind: 'tensor', tensor: new Float32Array(10) }, geometry, DEFAULT_DETECT_SETTINGS).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/holds 10 floats; a 640x480 input needs 921600/);
    // A caller's mistake is no reason to leave WebGPU.
    expect((await s.detect({ kind: 'tensor', tensor }, geometry, DEFAULT_DETECT_SETTINGS)).backend).toBe('webgpu');
    const bad = service(wasmHost);
    await expect(bad.load(request({ model: new Uint8Array([8, 1, 2, 3]).buffer }))).rejects.toBeInstanceOf(ModelLoadError);
    await expect(service({ ...wasmHost }).load(request({ backend: 'webgpu' }))).rejects.toBeInstanceOf(BackendError);
  });

  it('typed errors survive the trip across the worker boundary (comlink sends name and message)', () => {
    for (const Class of [InvalidInputError, ModelLoadError, BackendError, DisposedError]) {
      const plain = Object.assign(new Error('what went wrong'), { name: Class.name });
      const revived = reviveError(plain);
      expect(revived).toBeInstanceOf(Class);
      expect((revived as Error).message).toBe('what went wrong');
    }
    const other = new TypeError('x');
    expect(reviveError(other)).toBe(other);
  });
});

/** A fresh copy of a tensor (one frame's buffer is the worker's to keep while it runs). */
function after_tensor(t: Float32Array): Float32Array {
  return t.slice();
}
