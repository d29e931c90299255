/** A file to download: its address, and the size and sha256 it must have. */
export interface DownloadFile {
  url: string;
  size: number;
  sha256: string;
}

/**
 * Where `retinaface-web models install` can get a model, tried in order. `zip`: an archive holding the MXNet
 * symbol and params (converted with the model's `convertArgs`); `params`: the MXNet params, with their symbol file
 * (taken from ../shared/models when it is there); `onnx`: the model itself.
 */
export type ModelSource =
  | (DownloadFile & { kind: 'zip'; symbolEntry: string; paramsEntry: string })
  | (DownloadFile & { kind: 'params'; symbol: DownloadFile })
  | (DownloadFile & { kind: 'onnx' });

/** Models the project knows by id: where the setup script puts them (`public/models/<file>`) and their hash. */
export interface CatalogModel {
  id: string;
  title: string;
  /** File name under `public/models/`. */
  file: string;
  /** sha256 of the released file, hex; absent where builds differ (e.g. converted locally). */
  sha256?: string;
  /** Terms of the weights. */
  licence: string;
  /** Download sources for `models install`; none where the model has no public source. */
  sources?: readonly ModelSource[];
  /** MXNet sources: the `retinaface-web convert` options that build `file`. */
  convertArgs?: readonly string[];
}

const RESEARCH_ONLY = 'non-commercial research only (trained on WIDER FACE; insightface / WIDER FACE terms)';

/** insightface mnet.25 as released in Charrin/RetinaFace-Cpp (what ../shared/models holds). */
const MNET025_RELEASE = 'https://raw.githubusercontent.com/Charrin/RetinaFace-Cpp/67cddfd7fa24311edcd317d1d56b6ee72e7287b6/convert_models/mnet/';
/** A copy of insightface's R50 release in 1996scarlet/ArcFace-Multiplex-Recognition (params in Git LFS). */
const R50_COPY = '1996scarlet/ArcFace-Multiplex-Recognition/16a075e499a2cf7dd6ee3e0204b6309946bc9c23/model/';

const MNET025_SOURCES: readonly ModelSource[] = [
  {
    kind: 'params',
    url: `${MNET025_RELEASE}mnet.25-0000.params`,
    size: 1_757_080,
    sha256: '051313a2e7e62e981aafcf0dd5cb16505eca4295c4d2f6f36749a173eda8413c',
    symbol: { url: `${MNET025_RELEASE}mnet.25-symbol.json`, size: 122_188, sha256: '682ec45e8d45f1543f5d1abab5a8fb68ddff980232231bf1eaa90472bea757d3' },
  },
];

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'retinaface-mnet025',
    title: 'RetinaFace MobileNet-0.25 (insightface mnet.25, BGR, dynamic size)',
    file: 'retinaface-mnet025.onnx',
    // What `retinaface-web convert --bgr --dynamic --optimize` builds from the MXNet release
    // (scripts/setup-models.mjs): the faster graph whose detections equal the exact build's. The setup's last
    // resort, ../shared's ready conversion (a2a3584c…), has the exact build's outputs but other bytes.
    sha256: '92643d69bd536c8aa8c6b88d07b711e96dd3ba92bc77d26bfb30d426ea2069dc',
    licence: RESEARCH_ONLY,
    convertArgs: ['--bgr', '--dynamic', '--optimize'],
    sources: MNET025_SOURCES,
  },
  {
    id: 'retinaface-mnet025-biubug6',
    title: 'RetinaFace MobileNet-0.25 (biubug6/Pytorch_Retinaface, dynamic size)',
    file: 'retinaface-mnet025-biubug6.onnx',
    sha256: '6ef156c853a7fc783e90de337dd588ef3c4a43dc2892fc366e03e0b9a9c584a6',
    licence: RESEARCH_ONLY,
  },
  {
    id: 'retinaface-r50',
    title: 'RetinaFace ResNet-50 (insightface R50; convert R50-symbol.json + R50-0000.params)',
    file: 'retinaface-r50.onnx',
    convertArgs: ['--bgr', '--dynamic'],
    sources: [
      {
        // insightface's release, as OpenVINO's model zoo downloads it (open_model_zoo models/public/retinaface-resnet50/model.yml).
        kind: 'zip',
        url: 'https://www.dropbox.com/s/53ftnlarhyrpkg2/retinaface-R50.zip?dl=1',
        size: 109_631_292,
        sha256: 'd1099b1dba51996c5eb8a757e7f60052d78633d061c46e9108ef7dd5069af999',
        symbolEntry: 'R50-symbol.json',
        paramsEntry: 'R50-0000.params',
      },
      {
        kind: 'params',
        url: `https://media.githubusercontent.com/media/${R50_COPY}R50-0000.params`,
        size: 118_010_124,
        sha256: 'bb0ae8c33324b5b0b48718c7e7792e5bd1c01bb255fa53cbc0b6ede599832c43',
        symbol: { url: `https://raw.githubusercontent.com/${R50_COPY}R50-symbol.json`, size: 151_773, sha256: '8d4c461a662f1edf1e8351dfb9bb26afe494e23220133ecee15ca98da82580f8' },
      },
    ],
    licence: RESEARCH_ONLY,
  },
  {
    id: 'yunet',
    title: 'YuNet (OpenCV Zoo face_detection_yunet, decoded as OpenCV FaceDetectorYN, dynamic size)',
    file: 'face_detection_yunet_2026may.onnx',
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    licence: 'MIT (OpenCV Zoo)',
  },
  {
    id: 'retinaface-mnet025-exact',
    title: 'RetinaFace MobileNet-0.25 (insightface mnet.25, exact conversion: the reference ONNX’s outputs bit for bit)',
    file: 'retinaface-mnet025-exact.onnx',
    // What `retinaface-web convert --bgr --dynamic` builds from the MXNet release, for research comparisons.
    sha256: '6d13b9a320f736e34468fe0215767fb2120a54451328bbaa8574c9675b0e8f74',
    licence: RESEARCH_ONLY,
    convertArgs: ['--bgr', '--dynamic'],
    sources: MNET025_SOURCES,
  },
];

export const DEFAULT_MODEL_ID = 'retinaface-mnet025';

export function findCatalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}
