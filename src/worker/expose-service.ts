import { expose, transfer } from 'comlink';
import type { PackedInput } from '../core/index.ts';
import { DetectorService, type ServiceHost } from './detector-service.ts';
import type { DetectorWorkerApi } from './protocol.ts';

const handBack = <R extends { tensor?: PackedInput }>(r: R): R => (r.tensor ? transfer(r, [r.tensor.buffer]) : r);

/** Serves a detector service over comlink from this worker, handing tensor buffers back by transfer. */
export function exposeDetectorService(host: ServiceHost): void {
  const service = new DetectorService(host);
  const api: DetectorWorkerApi = {
    load: (request) => service.load(request),
    detect: async (frame, geometry, settings) => handBack(await service.detect(frame, geometry, settings)),
    detectLatest: async (stream, frame, geometry, settings) => handBack(await service.detectLatest(stream, frame, geometry, settings)),
    detectBest: (bitmap, settings) => service.detectBest(bitmap, settings),
    loseDevice: () => service.loseDevice(),
    dispose: () => service.dispose(),
  };
  expose(api);
}
