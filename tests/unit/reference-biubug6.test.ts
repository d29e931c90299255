import { compareWithReference } from '../support/model-comparison.ts';
import { MODELS } from '../support/paths.ts';

compareWithReference('retinaface-mnet025-biubug6.onnx (dynamic, native size)', MODELS.biubug6, 'biubug6', null);
compareWithReference('FaceDetector-640.onnx (fixed, numeric output names, letterboxed)', MODELS.biubug6Fixed640, 'biubug6', 640);
