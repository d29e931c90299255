import { DEFAULT_IOU_THRESHOLD, DEFAULT_MODEL_ID, DEFAULT_SCORE_THRESHOLD, MODEL_CATALOG, type BackendRequest, type DetectOverrides, type InputSizeRequest } from '../index.ts';
import type { ModelChoice } from './detector-session.ts';
import { byId, formatSize, parseSize } from './dom.ts';

const CUSTOM = 'custom';
const BACKENDS: readonly BackendRequest[] = ['auto', 'webgpu', 'wasm'];

export interface ControlHandlers {
  /** Model or backend changed: load a new detector. */
  onModelChange(): void;
  /** Threshold, IoU, max faces or input size changed: detect again with the new settings. */
  onDetectionChange(): void;
  /** Camera device or resolution changed: reopen the camera if it runs. */
  onCameraChange(): void;
  onMirrorChange(): void;
}

/**
 * The settings panel: reads the inputs, keeps their shown values in step, and takes initial values from the
 * page URL (`?model=&backend=&inputSize=&score=&iou=&maxFaces=&mirror=&resolution=`).
 */
export class Controls {
  readonly model = byId('model', HTMLSelectElement);
  readonly modelUrlForm = byId('model-url-form', HTMLFormElement);
  readonly modelUrl = byId('model-url', HTMLInputElement);
  readonly modelNote = byId('model-note', HTMLElement);
  readonly backend = byId('backend', HTMLSelectElement);
  readonly score = byId('score', HTMLInputElement);
  readonly scoreValue = byId('score-value', HTMLOutputElement);
  readonly iou = byId('iou', HTMLInputElement);
  readonly iouValue = byId('iou-value', HTMLOutputElement);
  readonly maxFaces = byId('max-faces', HTMLInputElement);
  readonly inputSize = byId('input-size', HTMLSelectElement);
  readonly camera = byId('camera-select', HTMLSelectElement);
  readonly resolution = byId('resolution', HTMLSelectElement);
  readonly mirror = byId('mirror', HTMLInputElement);

  constructor(params: URLSearchParams, handlers: ControlHandlers) {
    for (const m of MODEL_CATALOG) {
      const option = new Option(this.modelLabel(m.id, true), m.id);
      this.model.add(option, this.model.options[this.model.options.length - 1]); // before "Model URL…"
    }
    this.model.value = DEFAULT_MODEL_ID;
    this.score.value = String(DEFAULT_SCORE_THRESHOLD);
    this.iou.value = String(DEFAULT_IOU_THRESHOLD);
    this.applyParams(params);
    this.showModelUrl();
    this.showValues();

    this.model.addEventListener('change', () => {
      this.showModelUrl();
      if (this.model.value === CUSTOM) this.modelUrl.focus();
      else handlers.onModelChange();
    });
    this.modelUrlForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (this.modelUrl.value.trim()) handlers.onModelChange();
    });
    this.backend.addEventListener('change', () => handlers.onModelChange());
    for (const input of [this.score, this.iou]) {
      input.addEventListener('input', () => this.showValues());
      input.addEventListener('change', () => handlers.onDetectionChange());
    }
    this.maxFaces.addEventListener('change', () => handlers.onDetectionChange());
    this.inputSize.addEventListener('change', () => handlers.onDetectionChange());
    this.camera.addEventListener('change', () => handlers.onCameraChange());
    this.resolution.addEventListener('change', () => handlers.onCameraChange());
    this.mirror.addEventListener('change', () => handlers.onMirrorChange());
  }

  /** The model to load, from the picker (or the URL field when "Model URL…" is chosen). */
  modelChoice(): ModelChoice {
    const model = this.model.value === CUSTOM ? this.modelUrl.value.trim() : this.model.value;
    return { model, backend: this.backend.value as BackendRequest, inputSize: this.inputSizeRequest() };
  }

  /** Per-detection settings (mirror is added by the caller: it applies to the camera only). */
  detection(): DetectOverrides {
    const maxFaces = Number(this.maxFaces.value);
    return {
      scoreThreshold: Number(this.score.value),
      iouThreshold: Number(this.iou.value),
      ...(this.maxFaces.value !== '' && maxFaces >= 1 ? { maxFaces: Math.floor(maxFaces) } : {}),
      inputSize: this.inputSizeRequest(),
    };
  }

  /** All settings, for the results file. */
  snapshot(): Record<string, unknown> {
    return { ...this.modelChoice(), ...this.detection(), mirror: this.mirror.checked };
  }

  cameraRequest(): { deviceId: string; width: number; height: number } {
    const size = parseSize(this.resolution.value) ?? { width: 640, height: 480 };
    return { deviceId: this.camera.value, ...size };
  }

  /** Marks a catalog model as installed or not; a missing one cannot be chosen and the note says where to get it. */
  setInstalled(id: string, installed: boolean): void {
    const option = [...this.model.options].find((o) => o.value === id);
    if (!option) return;
    option.disabled = !installed;
    option.textContent = this.modelLabel(id, installed);
    const missing = [...this.model.options].filter((o) => o.disabled).map((o) => o.textContent!.replace(/ — not installed$/, ''));
    this.modelNote.hidden = missing.length === 0;
    this.modelNote.querySelector('.missing-models')!.textContent = missing.join(', ');
  }

  private modelLabel(id: string, installed: boolean): string {
    const short: Record<string, string> = {
      'retinaface-mnet025': 'MobileNet-0.25 (default)',
      'retinaface-mnet025-biubug6': 'MobileNet-0.25, biubug6 build',
      'retinaface-r50': 'ResNet-50',
      yunet: 'YuNet (OpenCV Zoo, MIT)',
    };
    return `${short[id] ?? id}${installed ? '' : ' — not installed'}`;
  }

  private inputSizeRequest(): InputSizeRequest {
    return parseSize(this.inputSize.value) ?? 'native';
  }

  private showModelUrl(): void {
    this.modelUrlForm.hidden = this.model.value !== CUSTOM;
  }

  private showValues(): void {
    this.scoreValue.value = Number(this.score.value).toFixed(2);
    this.iouValue.value = Number(this.iou.value).toFixed(2);
  }

  private applyParams(params: URLSearchParams): void {
    const model = params.get('model');
    if (model) {
      if (MODEL_CATALOG.some((m) => m.id === model)) this.model.value = model;
      else {
        this.model.value = CUSTOM;
        this.modelUrl.value = model;
      }
    }
    const backend = params.get('backend') as BackendRequest | null;
    if (backend && BACKENDS.includes(backend)) this.backend.value = backend;
    const size = params.get('inputSize');
    const parsed = parseSize(size);
    if (size === 'native') this.inputSize.value = 'native';
    else if (parsed) selectOrAdd(this.inputSize, formatSize(parsed));
    const setNumber = (input: HTMLInputElement, key: string) => {
      const v = params.get(key);
      if (v !== null && v !== '' && Number.isFinite(Number(v))) input.value = v;
    };
    setNumber(this.score, 'score');
    setNumber(this.iou, 'iou');
    setNumber(this.maxFaces, 'maxFaces');
    const resolution = parseSize(params.get('resolution'));
    if (resolution) selectOrAdd(this.resolution, formatSize(resolution));
    if (params.has('mirror')) this.mirror.checked = params.get('mirror') !== '0';
  }
}

function selectOrAdd(select: HTMLSelectElement, value: string): void {
  if (![...select.options].some((o) => o.value === value)) select.add(new Option(value, value));
  select.value = value;
}
