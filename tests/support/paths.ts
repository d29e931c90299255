import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder with package.json). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `../shared` next to the project: models and test data, read in place, never copied into git. */
export const SHARED = resolve(PROJECT_ROOT, '..', 'shared');

export const MODELS = {
  /** Default model: insightface mnet.25, BGR raw 0..255, dynamic size. */
  insightface: join(SHARED, 'models/retinaface-mnet025/retinaface-mnet025.onnx'),
  insightface640: join(SHARED, 'models/retinaface-mnet025/retinaface-mnet025-640.onnx'),
  insightfaceRgb: join(SHARED, 'models/retinaface-mnet025/retinaface-mnet025-rgb.onnx'),
  biubug6: join(SHARED, 'models/retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx'),
  /** Fixed 640x640, numeric output names (`output0`, `593`, `592`). */
  biubug6Fixed640: join(SHARED, 'models/retinaface-mnet025-biubug6/FaceDetector-640.onnx'),
  yunet: join(SHARED, 'models/yunet/face_detection_yunet_2026may.onnx'),
} as const;

export const WIDER_IMAGES = join(SHARED, 'testdata/wider-val-120/images');
export const PHOTOS = join(SHARED, 'testdata/photos');

/** All 120 WIDER validation images, sorted by path. */
export function widerImages(): string[] {
  return readdirSync(WIDER_IMAGES, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jpg'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every `step`-th WIDER image (a spread over the five events). */
export const widerSample = (step: number): string[] => widerImages().filter((_, i) => i % step === 0);
