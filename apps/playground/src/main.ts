/**
 * The page: controls, image sources and drawing. All tfjs work happens in the worker (worker.ts); the page
 * sends pixels and draws what comes back, so it stays responsive while a network builds or runs.
 */
import { WorkerClient, WorkerError } from './client.js';
import { type DrawOptions, drawResult } from './draw.js';
import type { BackendAttempt, BackendName, EngineName, ModelInfo, Pixels, RunOutput, TaskMenuEntry, WeightsSource } from './protocol.js';
import type { WeightsInfo } from './recognise.js';
import { BUNDLED_WEIGHTS, SAMPLES, SAMPLE_CREDIT } from './catalog.js';
import type { StageTimings, TaskId, TaskResult } from './tasks/types.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  task: $<HTMLSelectElement>('task'),
  preset: $<HTMLSelectElement>('preset'),
  presetNote: $('preset-note'),
  backends: $('backends'),
  activeBackend: $('active-backend'),
  engine: $<HTMLSelectElement>('engine'),
  ortEp: $<HTMLSelectElement>('ort-ep'),
  engineNote: $('engine-note'),
  activeEngine: $('active-engine'),
  isolation: $('isolation'),
  weightsFile: $<HTMLInputElement>('weights-file'),
  weightsUrl: $<HTMLInputElement>('weights-url'),
  weightsUrlLoad: $<HTMLButtonElement>('weights-url-load'),
  weightsBundled: $<HTMLButtonElement>('weights-bundled'),
  weightsClear: $<HTMLButtonElement>('weights-clear'),
  weightsInfo: $('weights-info'),
  sample: $<HTMLSelectElement>('sample'),
  sampleCredit: $('sample-credit'),
  imageFile: $<HTMLInputElement>('image-file'),
  webcam: $<HTMLButtonElement>('webcam'),
  live: $<HTMLInputElement>('live'),
  fps: $('fps'),
  heatmapJoint: $<HTMLSelectElement>('heatmap-joint'),
  opacity: $<HTMLInputElement>('opacity'),
  topk: $<HTMLInputElement>('topk'),
  repeat: $<HTMLInputElement>('repeat'),
  scoreThreshold: $<HTMLInputElement>('score-threshold'),
  netSize: $<HTMLInputElement>('net-size'),
  run: $<HTMLButtonElement>('run'),
  status: $('status'),
  error: $('error'),
  output: $<HTMLCanvasElement>('output'),
  modelInfo: $('model-info'),
  timings: $<HTMLTableElement>('timings'),
  memory: $('memory'),
  results: $('results'),
  video: $<HTMLVideoElement>('video'),
};

/** The current input frame, kept apart from the output canvas so overlays never feed back into the network. */
const source = document.createElement('canvas');
const sourceCtx = source.getContext('2d', { willReadFrequently: true })!;
const outCtx = el.output.getContext('2d')!;

interface AppState {
  backends: BackendAttempt[];
  backend: BackendName | null;
  weights: WeightsInfo | null;
  model: ModelInfo | null;
  lastRun: RunOutput | null;
  lastError: string | null;
  runs: number;
  box: [number, number, number, number] | null;
  inputLabel: string;
  /** Webcam live mode: frames run since it started, frames per second, and tfjs's tensor count after each frame. */
  live: { frames: number; fps: number; tensors: number[] };
}
const app: AppState = {
  backends: [],
  backend: null,
  weights: null,
  model: null,
  lastRun: null,
  lastError: null,
  runs: 0,
  box: null,
  inputLabel: '',
  live: { frames: 0, fps: 0, tensors: [] },
};

/** A small handle for tests and the console: state, and the exact pixels the last run used. */
(window as unknown as { playground: unknown }).playground = {
  state: app,
  inputPixels: () => {
    const d = sourceCtx.getImageData(0, 0, source.width, source.height);
    return { width: d.width, height: d.height, data: Array.from(d.data) };
  },
  /** Pixels of the output that differ from the input image: what the overlays drew. */
  changedPixels: () => {
    const a = sourceCtx.getImageData(0, 0, source.width, source.height).data;
    const b = outCtx.getImageData(0, 0, el.output.width, el.output.height).data;
    let n = 0;
    for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
    return n;
  },
};

let TASK_MENU: TaskMenuEntry[] = [];

const client = new WorkerClient((message) => showError(message));

function setBusy(busy: boolean, message?: string): void {
  document.body.dataset.state = busy ? 'busy' : 'idle';
  el.run.disabled = busy || source.width === 0;
  if (message) el.status.textContent = message;
}

function showError(message: string | null): void {
  app.lastError = message;
  el.error.hidden = !message;
  el.error.textContent = message ?? '';
}

function errorText(e: unknown): string {
  if (e instanceof WorkerError) return `${e.kind}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs one step with the busy flag up and its error (if any) shown in the page, not thrown. */
async function step<T>(message: string, fn: () => Promise<T>): Promise<T | undefined> {
  setBusy(true, message);
  try {
    const v = await fn();
    showError(null);
    return v;
  } catch (e) {
    showError(errorText(e));
    return undefined;
  } finally {
    setBusy(false);
  }
}

let actions = 0;
/**
 * A user action from start to finish (all its steps, its error shown). `data-actions` on <body> counts the
 * finished ones, so a test (or a person reading the DOM) knows when the page has settled after an action.
 */
function action(fn: () => Promise<unknown>): void {
  document.body.dataset.state = 'busy';
  void fn()
    .catch((e) => showError(errorText(e)))
    .finally(() => {
      document.body.dataset.actions = String(++actions);
      setBusy(false);
    });
}

// ---------------------------------------------------------------- task and preset

function currentTask(): TaskId {
  return el.task.value as TaskId;
}

function fillPresets(): void {
  const task = TASK_MENU.find((t) => t.id === currentTask())!;
  fillEngines(task);
  el.preset.replaceChildren(...task.presets.map((p) => new Option(p.heavy ? `${p.label} (full size)` : p.label, p.id)));
  updatePresetNote();
}

function updatePresetNote(): void {
  const task = TASK_MENU.find((t) => t.id === currentTask())!;
  const preset = task.presets.find((p) => p.id === el.preset.value);
  el.presetNote.textContent = preset?.heavy ? 'Full-size official network: slow on cpu and wasm, and it needs memory.' : '';
  el.netSize.disabled = currentTask() !== 'segmentation' && currentTask() !== 'detection';
  el.weightsBundled.disabled = !bundledFor(currentTask(), el.preset.value);
  el.weightsBundled.title = bundledFor(currentTask(), el.preset.value)?.url ?? 'no bundled weights for this preset';
}

function bundledFor(task: TaskId, preset: string) {
  return BUNDLED_WEIGHTS.find((w) => w.task === task && w.preset === preset);
}

/** The engine menu: every engine, those the task cannot run on disabled (and tfjs chosen instead). */
function fillEngines(task: TaskMenuEntry): void {
  for (const option of el.engine.options) option.disabled = !task.engines.includes(option.value as EngineName);
  if (el.engine.selectedOptions[0]?.disabled) el.engine.value = 'tfjs';
  el.engineNote.textContent = task.engines.includes('onnxruntime')
    ? 'onnxruntime runs the network (exported to ONNX in the page) on onnxruntime-web: wasm, or WebGPU where the browser has it; pre- and post-processing stay on the backend.'
    : 'This task runs its stages on tfjs only in the playground.';
  updateEpPicker();
}

/** The execution provider matters to onnxruntime only. */
function updateEpPicker(): void {
  el.ortEp.disabled = el.engine.value !== 'onnxruntime';
}

/** Builds the chosen network; `engine` overrides the picker (an engine named in the address, checked by the factory). */
async function configure(engine = el.engine.value as EngineName): Promise<void> {
  const task = currentTask();
  const preset = el.preset.value;
  const size = task === 'segmentation' || task === 'detection' ? Number(el.netSize.value) || undefined : undefined;
  const executionProviders = el.ortEp.value.split(',');
  const info = await step(`Building ${task} / ${preset} on ${engine}…`, () => client.call('configure', { task, preset, size, engine, executionProviders }));
  app.model = info ?? null;
  renderModel();
  renderEngine();
  if (info) el.status.textContent = `Ready: ${task} / ${preset} on ${info.engine}.`;
}

/** The header says what ran (or will run) the network: the worker's own words, after each build and run. */
function renderEngine(): void {
  const engine = app.model?.engine ?? '';
  el.activeEngine.textContent = `engine: ${engine || 'none'}`;
  el.activeEngine.dataset.engine = engine.startsWith('onnxruntime') ? 'onnxruntime' : engine ? 'tfjs' : '';
}

function renderModel(): void {
  const m = app.model;
  if (!m) {
    el.modelInfo.textContent = 'not built (see the error above)';
    el.modelInfo.dataset.random = '';
    return;
  }
  el.modelInfo.textContent = [
    `${m.task} / ${m.preset}`,
    `parameters: ${m.parameters.toLocaleString('en')}`,
    m.inputSize ? `input: ${m.inputSize[0]}x${m.inputSize[1]}` : '',
    `engine: ${m.engine}`,
    `weights: ${m.random ? 'RANDOM INITIALISATION (outputs are meaningless)' : m.weights}`,
  ]
    .filter(Boolean)
    .join('\n');
  el.modelInfo.dataset.random = String(m.random);
}

// ---------------------------------------------------------------- backends

function renderBackends(): void {
  el.backends.replaceChildren(
    ...app.backends.map((a) => {
      const li = document.createElement('li');
      li.className = a.ok ? 'available' : 'unavailable';
      li.dataset.backend = a.name;
      const input = document.createElement('input');
      Object.assign(input, { type: 'radio', name: 'backend', value: a.name, disabled: !a.ok, checked: a.name === app.backend, id: `backend-${a.name}` });
      input.addEventListener('change', () => void switchBackend(a.name));
      const label = document.createElement('label');
      label.className = 'inline';
      label.htmlFor = input.id;
      label.textContent = ` ${a.name} — ${a.ok ? 'available' : 'unavailable'}`;
      const reason = document.createElement('span');
      reason.className = 'reason';
      reason.textContent = a.reason;
      li.append(input, label, reason);
      return li;
    }),
  );
  el.activeBackend.textContent = `backend: ${app.backend ?? 'none'}`;
  el.activeBackend.dataset.backend = app.backend ?? '';
}

async function switchBackend(name: BackendName): Promise<void> {
  const r = await step(`Switching to ${name}…`, () => client.call('setBackend', { name }));
  if (r) app.backend = r.name;
  renderBackends();
  await configure();
}

// ---------------------------------------------------------------- weights

async function loadWeights(source: WeightsSource, transfer: Transferable[] = []): Promise<void> {
  const info = await step('Reading weights…', () => client.call('loadWeights', { source }, transfer));
  if (info) {
    app.weights = info;
    renderWeights();
    const fits = info.task === null || info.task === currentTask();
    if (info.task && !fits) {
      showError(`These weights are for ${info.task} (${info.architecture}), not ${currentTask()}: choose the ${info.task} task and a matching preset.`);
      return;
    }
  } else {
    // the worker keeps its previous weights when reading fails
    renderWeights();
    return;
  }
  const error = app.lastError;
  await configure();
  if (error && !app.lastError) showError(error);
}

function renderWeights(): void {
  const w = app.weights;
  if (!w) {
    el.weightsInfo.textContent = 'No weights: random initialisation.';
    el.weightsInfo.dataset.loaded = 'false';
    return;
  }
  el.weightsInfo.dataset.loaded = 'true';
  el.weightsInfo.textContent = [
    `${w.name} (${w.format}, ${(w.bytes / 1e6).toFixed(2)} MB)`,
    `recognised: ${w.architecture}`,
    `${w.keys} keys, ${w.parameters.toLocaleString('en')} parameters`,
    ...w.sample.map((s) => `  ${s.key} [${s.shape.join(', ')}]`),
    w.keys > w.sample.length ? '  …' : '',
  ]
    .filter(Boolean)
    .join('\n');
}

async function weightsFromFiles(files: FileList): Promise<void> {
  const list = [...files];
  const json = list.find((f) => f.name.endsWith('.json'));
  if (json) {
    const shards: Record<string, ArrayBuffer> = {};
    for (const f of list) if (f !== json) shards[f.name] = await f.arrayBuffer();
    const modelJson = await json.arrayBuffer();
    await loadWeights({ kind: 'tfjs', name: json.name, modelJson, shards }, [modelJson, ...Object.values(shards)]);
    return;
  }
  if (list.length !== 1) {
    showError(`Choose one checkpoint file (or a model.json with its shards); found ${list.length} files without a model.json.`);
    return;
  }
  const bytes = await list[0]!.arrayBuffer();
  await loadWeights({ kind: 'bytes', name: list[0]!.name, bytes }, [bytes]);
}

// ---------------------------------------------------------------- input

function setSource(image: CanvasImageSource, width: number, height: number, label: string): void {
  source.width = width;
  source.height = height;
  sourceCtx.drawImage(image, 0, 0, width, height);
  el.output.width = width;
  el.output.height = height;
  app.box = null;
  app.lastRun = null;
  app.inputLabel = label;
  redraw();
  el.run.disabled = document.body.dataset.state === 'busy';
}

async function loadImage(url: string, label: string): Promise<void> {
  const img = new Image();
  img.src = url;
  await img.decode();
  setSource(img, img.naturalWidth, img.naturalHeight, label);
}

let stream: MediaStream | null = null;

async function toggleWebcam(): Promise<void> {
  if (stream) {
    for (const t of stream.getTracks()) t.stop();
    stream = null;
    el.live.checked = false;
    el.live.disabled = true;
    el.webcam.textContent = 'Webcam';
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (e) {
    showError(`Webcam: ${errorText(e)}`);
    return;
  }
  el.video.srcObject = stream;
  await el.video.play();
  el.webcam.textContent = 'Stop webcam';
  el.live.disabled = false;
  captureFrame();
}

function captureFrame(): void {
  setSource(el.video, el.video.videoWidth, el.video.videoHeight, 'webcam');
}

// ---------------------------------------------------------------- run and draw

function drawOptions(): DrawOptions {
  return { heatmapJoint: Number(el.heatmapJoint.value), maskOpacity: Number(el.opacity.value) };
}

function redraw(): void {
  drawResult(outCtx, source, app.lastRun?.result ?? null, drawOptions());
  if (app.box && !app.lastRun) {
    outCtx.strokeStyle = '#ffd400';
    outCtx.lineWidth = 2;
    outCtx.strokeRect(...app.box);
  }
}

function pixels(): Pixels {
  const d = sourceCtx.getImageData(0, 0, source.width, source.height);
  return { width: d.width, height: d.height, data: d.data };
}

async function run(): Promise<void> {
  if (source.width === 0) return;
  const px = pixels();
  const out = await step(`Running ${currentTask()} on ${app.backend}…`, () =>
    client.call('run', { pixels: px, options: { box: app.box ?? undefined, topK: Number(el.topk.value) || 5, scoreThreshold: Number(el.scoreThreshold.value), repeat: Number(el.repeat.value) || 1 } }, [px.data.buffer]),
  );
  if (!out) return;
  app.lastRun = out;
  app.model = out.model;
  app.backend = out.backend;
  app.runs++;
  renderModel();
  renderEngine();
  renderBackends();
  redraw();
  renderRun(out);
  fillHeatmapJoints(out.result);
  el.status.textContent = `Done: ${out.model.task} / ${out.model.preset} on ${out.model.engine}${out.model.random ? ' (random initialisation)' : ''}.`;
  document.body.dataset.runs = String(app.runs);
}

/** The heatmap menu lists the joints of the last pose result (COCO-17, MPII-16 or a custom set). */
function fillHeatmapJoints(r: TaskResult): void {
  if (r.kind !== 'pose') return;
  const names = r.keypoints.map((k) => k.name).join();
  if (el.heatmapJoint.dataset.names === names) return;
  const keep = el.heatmapJoint.value;
  el.heatmapJoint.replaceChildren(new Option('none', '-1'), new Option('all joints', '-2'), ...r.keypoints.map((k, i) => new Option(`${i}: ${k.name}`, String(i))));
  el.heatmapJoint.value = Number(keep) < r.keypoints.length ? keep : '-1';
  el.heatmapJoint.dataset.names = names;
}

function renderRun(out: RunOutput): void {
  const stages = ['preprocess', 'network', 'decode'] as const;
  const total = (t: StageTimings) => t.preprocess + t.network + t.decode;
  const runs = out.allTimings;
  const fmt = (v: number) => v.toFixed(1);
  const rows = [...stages.map((k) => [k, runs.map((t) => t[k])] as const), ['total', runs.map(total)] as const];
  // one run: its times; several: the first (with warm-up) and the median of the others (steady state)
  const head = runs.length > 1 ? `<tr><th></th><th>first</th><th>median of ${runs.length - 1}</th></tr>` : '';
  el.timings.innerHTML =
    head +
    rows
      .map(([k, v]) => `<tr><td>${k}</td><td>${fmt(v[0]!)}</td>${runs.length > 1 ? `<td>${fmt(median(v.slice(1)))}</td>` : ''}</tr>`)
      .join('');
  const m = out.memory;
  el.memory.textContent = [
    `${m.numTensors} tensors`,
    `${(m.numBytes / 1e6).toFixed(2)} MB`,
    m.numBytesInGPU !== undefined ? `${(m.numBytesInGPU / 1e6).toFixed(2)} MB in GPU textures` : '',
  ].filter(Boolean).join('\n');
  el.results.replaceChildren(resultView(out.result));
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function resultView(r: TaskResult): HTMLElement {
  const div = document.createElement('div');
  switch (r.kind) {
    case 'pose':
      div.innerHTML = `<table><tr><th>joint</th><th>x</th><th>y</th><th>score</th></tr>${r.keypoints
        .map((k) => `<tr><td>${k.name}</td><td>${k.x.toFixed(1)}</td><td>${k.y.toFixed(1)}</td><td>${k.score.toFixed(3)}</td></tr>`)
        .join('')}</table>`;
      break;
    case 'multipose':
      div.innerHTML = r.people.length
        ? `<div>${r.people.length} person${r.people.length === 1 ? '' : 's'}</div><table><tr><th>person</th><th>score</th><th>box (x, y, w, h)</th></tr>${r.people
            .slice(0, 20) // random weights find hundreds: the first twenty say enough
            .map((p, i) => `<tr><td>${i + 1}</td><td>${p.score.toFixed(3)}</td><td>${p.box.map((v) => v.toFixed(0)).join(', ')}</td></tr>`)
            .join('')}</table>`
        : 'no person found';
      break;
    case 'classification':
      div.innerHTML = r.top
        .map((c) => `<div>${(c.probability * 100).toFixed(1)}% ${escapeHtml(c.name)} <span class="bar" style="width:${Math.round(c.probability * 200)}px"></span></div>`)
        .join('');
      break;
    case 'segmentation':
      div.className = 'legend';
      div.innerHTML = r.classes
        .map((name, i) => ({ name, i, c: r.palette[i]!, f: r.coverage[i] ?? 0 }))
        .filter((x) => x.f > 0)
        .sort((a, b) => b.f - a.f)
        .map((x) => `<div><span class="swatch" style="background:rgb(${x.c.join(',')})"></span>${escapeHtml(x.name)} ${(x.f * 100).toFixed(1)}%</div>`)
        .join('');
      break;
    case 'detection':
      div.innerHTML = r.boxes.length
        ? `<table><tr><th>label</th><th>score</th><th>box (x, y, w, h)</th></tr>${r.boxes
            .map((b) => `<tr><td>${escapeHtml(b.label)}</td><td>${b.score.toFixed(3)}</td><td>${[b.x, b.y, b.width, b.height].map((v) => v.toFixed(0)).join(', ')}</td></tr>`)
            .join('')}</table>`
        : 'no boxes above the score threshold';
      break;
    case 'face':
      div.textContent = `${r.landmarks.length} landmarks in box [${r.box.map((v) => v.toFixed(0)).join(', ')}]`;
      break;
  }
  return div;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

// ---------------------------------------------------------------- pose box by dragging

let dragStart: [number, number] | null = null;
function imagePoint(e: MouseEvent): [number, number] {
  const r = el.output.getBoundingClientRect();
  return [((e.clientX - r.left) * el.output.width) / r.width, ((e.clientY - r.top) * el.output.height) / r.height];
}
el.output.addEventListener('mousedown', (e) => (dragStart = imagePoint(e)));
el.output.addEventListener('mouseup', (e) => {
  if (!dragStart) return;
  const [x0, y0] = dragStart;
  const [x1, y1] = imagePoint(e);
  dragStart = null;
  if (Math.abs(x1 - x0) < 8 || Math.abs(y1 - y0) < 8) return;
  app.box = [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
  app.lastRun = null;
  redraw();
});
el.output.addEventListener('dblclick', () => {
  app.box = null;
  app.lastRun = null;
  redraw();
});

// ---------------------------------------------------------------- wiring

el.task.addEventListener('change', () =>
  action(async () => {
    fillPresets();
    app.lastRun = null;
    redraw();
    await configure();
  }),
);
const engineChanged = () =>
  action(async () => {
    updateEpPicker();
    app.lastRun = null;
    redraw();
    await configure();
  });
el.engine.addEventListener('change', engineChanged);
el.ortEp.addEventListener('change', engineChanged);
el.preset.addEventListener('change', () =>
  action(async () => {
    updatePresetNote();
    await configure();
  }),
);
el.weightsFile.addEventListener('change', () => {
  const files = el.weightsFile.files;
  if (files?.length) action(() => weightsFromFiles(files).finally(() => (el.weightsFile.value = '')));
});
el.weightsUrlLoad.addEventListener('click', () =>
  action(async () => {
    const raw = el.weightsUrl.value.trim();
    if (!raw) return showError('Paste a URL to a checkpoint first.');
    await loadWeights({ kind: 'url', url: new URL(raw, document.baseURI).href });
  }),
);
el.weightsBundled.addEventListener('click', () =>
  action(async () => {
    const b = bundledFor(currentTask(), el.preset.value);
    if (b) await loadWeights({ kind: 'url', url: new URL(b.url, document.baseURI).href });
  }),
);
el.weightsClear.addEventListener('click', () =>
  action(async () => {
    await step('Dropping weights…', () => client.call('clearWeights', {}));
    app.weights = null;
    renderWeights();
    await configure();
  }),
);
el.sample.addEventListener('change', () => action(() => loadImage(el.sample.value, el.sample.selectedOptions[0]!.text)));
el.imageFile.addEventListener('change', () => {
  const f = el.imageFile.files?.[0];
  if (!f) return;
  const url = URL.createObjectURL(f);
  action(() =>
    loadImage(url, f.name)
      .catch(() => showError(`Could not decode ${f.name} as an image.`))
      .finally(() => URL.revokeObjectURL(url)),
  );
});
el.webcam.addEventListener('click', () => action(() => toggleWebcam()));
el.live.addEventListener('change', () => void liveLoop());
el.netSize.addEventListener('change', () => action(() => configure()));
el.heatmapJoint.addEventListener('change', redraw);
el.opacity.addEventListener('input', redraw);
el.run.addEventListener('click', () =>
  action(async () => {
    if (stream) captureFrame();
    await run();
  }),
);

/** Webcam live mode: capture and run back to back while the box is ticked (one frame in flight at a time). */
async function liveLoop(): Promise<void> {
  if (document.body.dataset.live === 'on') return; // already looping (the box was ticked again mid-frame)
  document.body.dataset.live = 'on';
  app.live = { frames: 0, fps: 0, tensors: [] };
  el.fps.textContent = 'live: starting…';
  // frames per second over the last few frames (capture + run + draw), so it follows changes quickly
  const ends: number[] = [performance.now()];
  try {
    while (el.live.checked && stream) {
      captureFrame();
      await run();
      if (!app.lastRun) break; // the run failed: its error is shown, live mode stops
      await new Promise((r) => requestAnimationFrame(r));
      ends.push(performance.now());
      if (ends.length > 11) ends.shift();
      app.live.frames++;
      app.live.fps = ((ends.length - 1) * 1000) / (ends.at(-1)! - ends[0]!);
      app.live.tensors.push(app.lastRun.memory.numTensors);
      el.fps.textContent = `${app.live.fps.toFixed(1)} fps (${app.live.frames} frames)`;
      el.fps.dataset.fps = String(app.live.fps);
      el.fps.dataset.frames = String(app.live.frames);
    }
  } finally {
    document.body.dataset.live = 'off';
    if (app.live.frames) el.fps.textContent = `stopped: ${app.live.fps.toFixed(1)} fps (${app.live.frames} frames)`;
  }
}

async function start(): Promise<void> {
  el.isolation.textContent = crossOriginIsolated ? 'cross-origin isolated: wasm threads allowed' : 'not cross-origin isolated: wasm runs single-threaded';
  el.sample.replaceChildren(...SAMPLES.map((s) => new Option(`${s.file} (${s.width}x${s.height})`, `samples/${s.file}`)));
  el.sampleCredit.textContent = SAMPLE_CREDIT;
  const params = new URLSearchParams(location.search);
  const wantedBackend = params.get('backend') as BackendName | null;
  const init = await step('Probing backends…', () => client.call('init', { wasmPath: new URL('./wasm/', document.baseURI).href, ortWasmPath: new URL('./ort/', document.baseURI).href }));
  app.backends = init?.attempts ?? [];
  TASK_MENU = init?.tasks ?? [];
  el.task.replaceChildren(...TASK_MENU.map((t) => new Option(t.label, t.id)));
  const wantedTask = params.get('task');
  if (wantedTask && TASK_MENU.some((t) => t.id === wantedTask)) el.task.value = wantedTask;
  fillPresets();
  if (params.get('size')) el.netSize.value = params.get('size')!;
  const wantedEngine = params.get('engine');
  const knownEngine = [...el.engine.options].some((o) => o.value === wantedEngine && !o.disabled);
  if (wantedEngine && knownEngine) el.engine.value = wantedEngine;
  const wantedEp = params.get('ep');
  if (wantedEp && [...el.ortEp.options].some((o) => o.value === wantedEp)) el.ortEp.value = wantedEp;
  updateEpPicker();
  const wantedPreset = params.get('preset');
  if (wantedPreset && [...el.preset.options].some((o) => o.value === wantedPreset)) el.preset.value = wantedPreset;
  updatePresetNote();
  app.backend = app.backends.find((a) => a.ok)?.name ?? null;
  if (wantedBackend && app.backends.some((a) => a.name === wantedBackend && a.ok)) {
    const r = await step(`Switching to ${wantedBackend}…`, () => client.call('setBackend', { name: wantedBackend }));
    if (r) app.backend = r.name;
  }
  renderBackends();
  await loadImage(el.sample.value, el.sample.selectedOptions[0]!.text).catch((e) => showError(errorText(e)));
  // an engine the picker does not offer goes to the factory as named, so its EngineError is shown (the picker
  // stays on tfjs, and the next choice builds again)
  await configure(wantedEngine && !knownEngine ? (wantedEngine as EngineName) : undefined);
  document.body.dataset.actions = '0';
  document.body.dataset.ready = 'true';
}

void start();
