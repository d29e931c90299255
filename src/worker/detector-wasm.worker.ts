// The module worker entry of `retinaface-web/wasm`: it never references onnxruntime's WebGPU bundle, so an app's
// bundler emits only the wasm-only runtime (14 MB instead of 14 + 27 MB).
import * as ort from 'onnxruntime-web/wasm';
import { BackendError } from '../core/index.ts';
import type { OrtModule } from '../runtime/face-session.ts';
import { exposeDetectorService } from './expose-service.ts';

exposeDetectorService({
  loadOrt: async () => ort as unknown as OrtModule,
  chooseBackend: async (request) => {
    if (request === 'webgpu') throw new BackendError("WebGPU was requested, but 'retinaface-web/wasm' has no WebGPU backend: import 'retinaface-web' instead.");
    return { backend: 'wasm', reason: request === 'wasm' ? 'requested' : 'the WASM-only build (retinaface-web/wasm)' };
  },
});
