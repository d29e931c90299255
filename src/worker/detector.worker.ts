// The module worker entry of the full package: WebGPU or WASM.
import type { OrtModule } from '../runtime/face-session.ts';
import { exposeDetectorService } from './expose-service.ts';

// Each backend loads its own bundle: the wasm-only one (14 MB of wasm, no WebGPU code) for WASM, and
// onnxruntime's WebGPU bundle (its native WebGPU EP) for WebGPU. See bench:browser and the README.
exposeDetectorService({
  loadOrt: (backend): Promise<OrtModule> => (backend === 'wasm' ? import('onnxruntime-web/wasm') : import('onnxruntime-web/webgpu')),
});
