// The module worker entry: exposes the detector service over comlink, handing buffers back by transfer.
import { expose, transfer } from 'comlink';
import type { OrtModule } from '../runtime/face-session.ts';
import { DetectorService } from './detector-service.ts';
import type { Backend, DetectorWorkerApi, WorkerResult } from './protocol.ts';

// Each backend loads its own bundle: the wasm-only one (14 MB of wasm, no WebGPU code) for WASM, and
// onnxruntime's WebGPU bundle (its native WebGPU EP) for WebGPU. See bench:browser and the README.
const loadOrt = (backend: Backend): Promise<OrtModule> =>
  backend === 'wasm' ? import('onnxruntime-web/wasm') : import('onnxruntime-web/webgpu');

const service = new DetectorService(loadOrt);

const withTransfer = async (result: Promise<WorkerResult>): Promise<WorkerResult> => {
  const r = await result;
  return r.tensor ? transfer(r, [r.tensor.buffer]) : r;
};

const api: DetectorWorkerApi = {
  load: (request) => service.load(request),
  detectTensor: (tensor, geometry, options) => withTransfer(service.detectTensor(tensor, geometry, options)),
  detectBitmap: (bitmap, geometry, options) => withTransfer(service.detectBitmap(bitmap, geometry, options)),
  loseDevice: () => service.loseDevice(),
  dispose: () => service.dispose(),
};

expose(api);
