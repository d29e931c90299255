import { DEFAULT_IOU_THRESHOLD, DEFAULT_MODEL_ID, DEFAULT_SCORE_THRESHOLD, MODEL_CATALOG, type BackendRequest, type DetectOverrides, type InputSizeRequest } from '../index.ts';
import type { ModelChoice } from './detector-session.ts';
import { byId, formatSize, parseSize } from './dom.ts';

const CUSTOM = 'custom';
const BACKENDS: readonly BackendRequest[] = ['auto', 'webgpu', 'wasm'];

export interface ControlHandlers {
  /** Model or backend changed: load a new detector. */
  onModelChange(): void;
  /** Threshold, IoU or max faces changed: detect again with the new settings. */
  onDetectionChange(): void;
  /** Input size changed: detect again (stage times of the old size no longer apply). */
  onInputSizeChange(): void;
  /** Camera device or resolution changed: reopen the camera if it runs. */
  onCameraChange(): void;
  onMirrorChange(): void;
  /** Tracking, smoothing or prediction toggled: watch again (prediction only changes the drawing). */
  onVideoChange(): void;
}

/**
 * The settings panel: reads the inputs, keeps their shown values in step, and takes initial values from the
 * page URL (`?model=&backend=&inputSize=&score=&iou=&maxFaces=&mirror=&resolution=&tracking=&smoothing=&prediction=`). A choice in a drop-down
 * takes effect when it is committed (see `onCommit`), so arrowing through the models does not load each one.
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
  readonly tracking = byId('tracking', HTMLInputElement);
  readonly smoothing = byId('smoothing', HTMLInputElement);
  readonly prediction = byId('prediction', HTMLInputElement);

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

    onCommit(this.model, {
      preview: () => this.showModelUrl(),
      commit: (how) => {
        if (this.model.value !== CUSTOM) handlers.onModelChange();
        else if (how !== 'blur') this.modelUrl.focus(); // chosen on purpose: type the URL next
      },
    });
    this.modelUrlForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (this.modelUrl.value.trim()) handlers.onModelChange();
    });
    onCommit(this.backend, { commit: () => handlers.onModelChange() });
    for (const input of [this.score, this.iou]) {
      input.addEventListener('input', () => this.showValues());
      input.addEventListener('change', () => handlers.onDetectionChange());
    }
    this.maxFaces.addEventListener('change', () => handlers.onDetectionChange());
    onCommit(this.inputSize, { commit: () => handlers.onInputSizeChange() });
    onCommit(this.camera, { commit: () => handlers.onCameraChange() });
    onCommit(this.resolution, { commit: () => handlers.onCameraChange() });
    this.mirror.addEventListener('change', () => handlers.onMirrorChange());
    for (const box of [this.tracking, this.smoothing, this.prediction]) box.addEventListener('change', () => {
      this.showVideoToggles();
      handlers.onVideoChange();
    });
    this.showVideoToggles();
  }

  /** Smoothing and prediction follow tracks: without tracking they cannot be on. */
  private showVideoToggles(): void {
    this.smoothing.disabled = this.prediction.disabled = !this.tracking.checked;
  }

  /** The video settings: tracking, smoothing (off with tracking) and whether the overlay predicts between results. */
  video(): { tracking: boolean; smoothing: boolean; prediction: boolean } {
    const tracking = this.tracking.checked;
    return { tracking, smoothing: tracking && this.smoothing.checked, prediction: tracking && this.prediction.checked };
  }

  /** Whether the input size adapts to the machine (video only; a still image runs at its native size then). */
  get adaptiveSize(): boolean {
    return this.inputSize.value === 'auto';
  }

  /** The thresholds a model uses by default (its family's), unless the page's URL set them. */
  setDefaultThresholds(scoreThreshold: number, iouThreshold: number): void {
    if (!this.urlSet.has('score')) this.score.value = String(scoreThreshold);
    if (!this.urlSet.has('iou')) this.iou.value = String(iouThreshold);
    this.showValues();
  }

  private readonly urlSet = new Set<string>();

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
    return { ...this.modelChoice(), ...this.detection(), ...(this.adaptiveSize ? { inputSize: 'auto' } : {}), mirror: this.mirror.checked, ...this.video() };
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

  /** A catalog model's short name, as the picker shows it. */
  modelName(id: string): string {
    const short: Record<string, string> = {
      'retinaface-mnet025': 'MobileNet-0.25',
      'retinaface-mnet025-biubug6': 'MobileNet-0.25, biubug6 build',
      'retinaface-r50': 'ResNet-50',
      yunet: 'YuNet (OpenCV Zoo, MIT)',
    };
    return short[id] ?? id;
  }

  private modelLabel(id: string, installed: boolean): string {
    return `${this.modelName(id)}${id === DEFAULT_MODEL_ID ? ' (default)' : ''}${installed ? '' : ' — not installed'}`;
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
    if (size === 'auto') this.inputSize.value = 'auto';
    const setNumber = (input: HTMLInputElement, key: string) => {
      const v = params.get(key);
      if (v !== null && v !== '' && Number.isFinite(Number(v))) {
        input.value = v;
        this.urlSet.add(key);
      }
    };
    setNumber(this.score, 'score');
    setNumber(this.iou, 'iou');
    setNumber(this.maxFaces, 'maxFaces');
    const resolution = parseSize(params.get('resolution'));
    if (resolution) selectOrAdd(this.resolution, formatSize(resolution));
    if (params.has('mirror')) this.mirror.checked = params.get('mirror') !== '0';
    for (const box of ['tracking', 'smoothing', 'prediction'] as const) if (params.has(box)) this[box].checked = params.get(box) !== '0';
  }
}

/** How a drop-down's choice was committed. */
export type CommitKind = 'pick' | 'enter' | 'blur';

/** Keys that move the choice of a closed drop-down in place (Chromium and Firefox on Windows and Linux). */
const STEP_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * Calls `commit` when the user has settled on a choice in `select`, `preview` on every change. A choice picked
 * from the open list (mouse or keyboard) commits at once. Stepping through the closed drop-down with arrow keys,
 * Home/End or type-ahead changes its value on each key press: that only previews, and the choice commits on
 * Enter or when focus leaves the drop-down — as a keyboard user expects, and as native pickers do.
 */
export function onCommit(select: HTMLSelectElement, on: { preview?: () => void; commit: (how: CommitKind) => void }): void {
  let committed = select.value;
  let stepping = false;
  const commit = (how: CommitKind) => {
    if (select.value === committed) return;
    committed = select.value;
    on.commit(how);
  };
  select.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') commit('enter');
    // Alt+arrow opens the list; a pick there commits at once.
    else stepping = !e.altKey && (STEP_KEYS.has(e.key) || (e.key.length === 1 && e.key !== ' '));
    // The key's own change event comes before this timer: it sees `stepping`, later changes (a pick) do not.
    if (stepping) setTimeout(() => (stepping = false));
  });
  select.addEventListener('change', () => {
    on.preview?.();
    if (!stepping) commit('pick');
  });
  select.addEventListener('blur', () => commit('blur'));
}

function selectOrAdd(select: HTMLSelectElement, value: string): void {
  if (![...select.options].some((o) => o.value === value)) select.add(new Option(value, value));
  select.value = value;
}
