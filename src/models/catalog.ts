/** Models the project knows by id: where the setup script puts them (`public/models/<file>`) and their hash. */
export interface CatalogModel {
  id: string;
  title: string;
  /** File name under `public/models/`. */
  file: string;
  /** sha256 of the released file, hex; absent where builds differ (e.g. converted locally). */
  sha256?: string;
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'retinaface-mnet025',
    title: 'RetinaFace MobileNet-0.25 (insightface mnet.25, BGR, dynamic size)',
    file: 'retinaface-mnet025.onnx',
    // What `retinaface-web convert --bgr --dynamic --optimize` builds from the MXNet release
    // (scripts/setup-models.mjs): the faster graph whose detections equal the exact build's. The setup's last
    // resort, ../shared's ready conversion (a2a3584c…), has the exact build's outputs but other bytes.
    sha256: '92643d69bd536c8aa8c6b88d07b711e96dd3ba92bc77d26bfb30d426ea2069dc',
  },
  {
    id: 'retinaface-mnet025-exact',
    title: 'RetinaFace MobileNet-0.25 (insightface mnet.25, exact conversion: the reference ONNX’s outputs bit for bit)',
    file: 'retinaface-mnet025-exact.onnx',
    // What `retinaface-web convert --bgr --dynamic` builds from the MXNet release, for research comparisons.
    sha256: '6d13b9a320f736e34468fe0215767fb2120a54451328bbaa8574c9675b0e8f74',
  },
  {
    id: 'retinaface-mnet025-biubug6',
    title: 'RetinaFace MobileNet-0.25 (biubug6/Pytorch_Retinaface, dynamic size)',
    file: 'retinaface-mnet025-biubug6.onnx',
    sha256: '6ef156c853a7fc783e90de337dd588ef3c4a43dc2892fc366e03e0b9a9c584a6',
  },
  {
    id: 'retinaface-r50',
    title: 'RetinaFace ResNet-50 (insightface R50; convert R50-symbol.json + R50-0000.params)',
    file: 'retinaface-r50.onnx',
  },
];

export const DEFAULT_MODEL_ID = 'retinaface-mnet025';

export function findCatalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}
