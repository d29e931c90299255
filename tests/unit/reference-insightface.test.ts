import { compareWithReference } from '../support/model-comparison.ts';
import { MODELS } from '../support/paths.ts';

compareWithReference('retinaface-mnet025.onnx (dynamic, native size)', MODELS.insightface, 'insightface', null);
compareWithReference('retinaface-mnet025-640.onnx (fixed, letterboxed)', MODELS.insightface640, 'insightface', 640);
