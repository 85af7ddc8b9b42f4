// The live lab: controls, one simulation worker per agent, the track canvas and the charts.
import './zodConfig.js';
import { ACTIVATIONS } from '../../src/net/activation.js';
import { RUN_RULES } from '../../src/run/config.js';
import { AgentCharts, Series } from './charts.js';
import { drawCamera, drawRobot, drawTrack, drawTrail, type View } from './draw.js';
import { NetworkView } from './netview.js';
import { readPngFile } from './png.js';
import type { Frame, FromWorker, NetworkSample, RunLayout, ToWorker, TrackSource } from './protocol.js';
import {
  BUILTIN_CHOICES,
  checkInputs,
  type LabSettings,
  PREDICTOR_MODES,
  plainMessage,
  type RawInputs,
  RELEVANCE_CHOICES,
  runConfig,
  SPEEDS,
  settingsFromQuery,
  settingsToQuery,
  trackSpec,
} from './settings.js';

type AgentId = 'a' | 'b';
const COLOURS: Record<AgentId, string> = { a: '#1c7ed6', b: '#e8590c' };
/** Trail length in logged rows (a row every `logEvery` steps). */
const TRAIL_ROWS = 400;
const CANVAS_MAX = { width: 640, height: 500 };

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element as T;
}

const controls = {
  rule: byId<HTMLSelectElement>('rule'),
  lr: byId<HTMLInputElement>('lr'),
  lrValue: byId<HTMLOutputElement>('lr-value'),
  relevance: byId<HTMLSelectElement>('relevance'),
  layers: byId<HTMLInputElement>('layers'),
  activation: byId<HTMLSelectElement>('activation'),
  inputs: byId<HTMLSelectElement>('inputs'),
  predictors: byId<HTMLSelectElement>('predictors'),
  reflexGain: byId<HTMLInputElement>('reflex-gain'),
  track: byId<HTMLSelectElement>('track'),
  trackSeed: byId<HTMLInputElement>('track-seed'),
  trackSeedLabel: byId<HTMLLabelElement>('track-seed-label'),
  trackUpload: byId<HTMLInputElement>('track-upload'),
  trackScale: byId<HTMLInputElement>('track-scale'),
  seed: byId<HTMLInputElement>('seed'),
  steps: byId<HTMLInputElement>('steps'),
  side: byId<HTMLInputElement>('side'),
  ruleB: byId<HTMLSelectElement>('rule-b'),
  lrB: byId<HTMLInputElement>('lr-b'),
  lrBValue: byId<HTMLOutputElement>('lr-b-value'),
  speed: byId<HTMLSelectElement>('speed'),
  pause: byId<HTMLButtonElement>('pause'),
  step: byId<HTMLButtonElement>('step'),
  reset: byId<HTMLButtonElement>('reset'),
  evaluate: byId<HTMLButtonElement>('evaluate'),
  share: byId<HTMLButtonElement>('share'),
  message: byId<HTMLParagraphElement>('message'),
};
const trackCanvas = byId<HTMLCanvasElement>('track-canvas');
const robotCanvas = byId<HTMLCanvasElement>('robot-canvas');
const cameraCanvas = byId<HTMLCanvasElement>('camera-canvas');
const cameraBox = byId<HTMLSpanElement>('camera-box');
const trackName = byId<HTMLElement>('track-name');
const fpsText = byId<HTMLElement>('fps');
const agentsBox = byId<HTMLElement>('agents');
const layoutBox = byId<HTMLElement>('layout');
const template = byId<HTMLTemplateElement>('agent-template');

let settings: LabSettings = settingsFromQuery(location.search);
let uploaded: Extract<TrackSource, { kind: 'image' }> | null = null;
let paused = false;
let runCounter = 0;
let view: View | null = null;

function fillSelect<T extends string | number>(
  select: HTMLSelectElement,
  values: readonly T[],
  label: (value: T) => string = String,
): void {
  select.replaceChildren(
    ...values.map((v) => {
      const option = document.createElement('option');
      option.value = String(v);
      option.textContent = label(v);
      return option;
    }),
  );
}

function ruleLabel(rule: string): string {
  return rule === 'sar' ? 'SaR' : rule === 'backprop' ? 'backprop (GDM)' : rule;
}

fillSelect(controls.rule, RUN_RULES, ruleLabel);
fillSelect(controls.ruleB, RUN_RULES, ruleLabel);
fillSelect(controls.relevance, RELEVANCE_CHOICES);
fillSelect(controls.activation, ACTIVATIONS);
fillSelect(controls.track, BUILTIN_CHOICES);
fillSelect(controls.predictors, PREDICTOR_MODES, (p) =>
  p === 'ahead' ? 'ahead (the task)' : p === 'at-reflex' ? 'at-reflex (control)' : 'blind (control)',
);
fillSelect(controls.speed, SPEEDS, (s: number) => (s === 0 ? 'as fast as possible' : `${s}× real time`));
for (const option of controls.speed.options) if (option.value === '0') option.value = 'max';

function formatRate(lr: number): string {
  return lr === 0
    ? '0'
    : lr
        .toPrecision(2)
        .replace(/(\.\d*?)0+$/, '$1')
        .replace(/\.$/, '');
}

function sliderRate(input: HTMLInputElement): number {
  return Number((10 ** Number(input.value)).toPrecision(2));
}

/** Shows the settings in the controls. */
function showSettings(): void {
  const s = settings;
  controls.rule.value = s.rule;
  controls.lr.value = String(Math.log10(Math.max(s.learningRate, 1e-4)));
  controls.lrValue.value = formatRate(s.learningRate);
  controls.relevance.value = s.relevance;
  controls.layers.value = s.layers;
  controls.activation.value = s.activation;
  controls.inputs.value = s.inputs;
  controls.predictors.value = s.predictors;
  controls.reflexGain.value = String(s.reflexGain);
  if (s.track === 'upload' && uploaded && !controls.track.querySelector('option[value="upload"]')) {
    const option = document.createElement('option');
    option.value = 'upload';
    controls.track.append(option);
  }
  const uploadOption = controls.track.querySelector<HTMLOptionElement>('option[value="upload"]');
  if (uploadOption && uploaded) uploadOption.textContent = `uploaded: ${uploaded.name}`;
  controls.track.value = s.track;
  controls.trackSeed.value = String(s.trackSeed);
  controls.trackSeedLabel.hidden = s.track !== 'procedural';
  controls.trackScale.value = String(s.trackScale);
  controls.seed.value = String(s.seed);
  controls.steps.value = String(s.steps);
  controls.side.checked = s.side;
  controls.ruleB.value = s.ruleB;
  controls.lrB.value = String(Math.log10(Math.max(s.learningRateB, 1e-4)));
  controls.lrBValue.value = formatRate(s.learningRateB);
  controls.speed.value = s.speed === 0 ? 'max' : String(s.speed);
  agentsBox.classList.toggle('side', s.side);
  layoutBox.classList.toggle('side', s.side);
}

function integerOr(text: string, fallback: number): number {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) ? n : fallback;
}

/** Reads the controls into the settings. */
function readSettings(): LabSettings {
  const s = settings;
  const scale = Number(controls.trackScale.value);
  return {
    rule: controls.rule.value as LabSettings['rule'],
    learningRate: controls.lr.dataset.touched ? sliderRate(controls.lr) : s.learningRate,
    ruleB: controls.ruleB.value as LabSettings['rule'],
    learningRateB: controls.lrB.dataset.touched ? sliderRate(controls.lrB) : s.learningRateB,
    side: controls.side.checked,
    layers: controls.layers.value.replace(/\s+/g, ''),
    activation: controls.activation.value as LabSettings['activation'],
    relevance: controls.relevance.value,
    inputs: controls.inputs.value as LabSettings['inputs'],
    predictors: controls.predictors.value as LabSettings['predictors'],
    reflexGain: Number(controls.reflexGain.value),
    track: controls.track.value,
    trackSeed: integerOr(controls.trackSeed.value, s.trackSeed),
    trackScale: Number.isFinite(scale) && scale > 0 ? scale : s.trackScale,
    seed: integerOr(controls.seed.value, s.seed),
    speed: controls.speed.value === 'max' ? 0 : Number(controls.speed.value),
    steps: Math.max(1, Math.min(2_000_000, integerOr(controls.steps.value, s.steps))),
  };
}

const RAW_FIELDS: Record<keyof RawInputs, HTMLInputElement> = {
  layers: controls.layers,
  seed: controls.seed,
  trackSeed: controls.trackSeed,
  steps: controls.steps,
  trackScale: controls.trackScale,
  reflexGain: controls.reflexGain,
};

/** Checks the typed controls; shows what is wrong in plain words and marks the fields. */
function inputsValid(): boolean {
  const raw = Object.fromEntries(
    Object.entries(RAW_FIELDS).map(([key, input]) => [key, input.value]),
  ) as unknown as RawInputs;
  // The track seed only matters for the procedural track.
  if (controls.track.value !== 'procedural') raw.trackSeed = String(settings.trackSeed);
  const problems = checkInputs(raw);
  for (const [key, input] of Object.entries(RAW_FIELDS)) {
    const problem = problems.find((p) => p.field === key);
    if (problem) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  if (problems.length > 0) say(problems.map((p) => p.message).join(' '));
  return problems.length === 0;
}

function say(text: string, kind: 'error' | 'info' = 'error'): void {
  controls.message.textContent = text;
  controls.message.classList.toggle('info', kind === 'info');
}

/** One agent: its worker, its panel, its logged rows and charts. */
class Agent {
  readonly worker: Worker;
  readonly panel: HTMLElement;
  readonly fields: Record<string, HTMLElement>;
  run = 0;
  layout: RunLayout | null = null;
  frame: Frame | null = null;
  series: Series | null = null;
  charts: AgentCharts | null = null;
  chartsDirty = false;
  network: NetworkView | null = null;
  sample: NetworkSample | null = null;
  sampleDirty = false;
  fieldsDirty = false;
  private readonly resizer: ResizeObserver;
  private exportRequest = 0;
  private readonly pendingExports = new Map<number, 'summary' | 'log'>();

  constructor(readonly id: AgentId) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      say(`agent ${id.toUpperCase()}: ${event.message || 'the simulation stopped'}`);
    };
    const fragment = template.content.cloneNode(true) as DocumentFragment;
    this.panel = fragment.querySelector('article')!;
    this.panel.dataset.agent = id;
    this.panel.dataset.testid = `agent-${id}`;
    this.fields = {};
    for (const element of this.panel.querySelectorAll<HTMLElement>('[data-testid]'))
      this.fields[element.dataset.testid!] = element;
    this.panel.querySelector<HTMLElement>('.swatch')!.style.background = COLOURS[id];
    this.fields['export-summary'].addEventListener('click', () => this.requestExport('summary'));
    this.fields['export-log'].addEventListener('click', () => this.requestExport('log'));
    agentsBox.append(this.panel);
    this.resizer = new ResizeObserver(() => this.charts?.resize(this.chartWidth()));
    this.resizer.observe(this.fields['charts']);
  }

  /** The width of this agent's chart column. */
  chartWidth(): number {
    return Math.max(200, Math.floor(this.fields['charts'].clientWidth || 300));
  }

  post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  start(run: number, config: ReturnType<typeof runConfig>, track: TrackSource, speed: number): void {
    this.run = run;
    this.layout = null;
    this.frame = null;
    this.series = null;
    this.charts?.destroy();
    this.charts = null;
    this.network?.clear();
    this.network = null;
    this.sample = null;
    this.fields['network-hint'].hidden = true;
    this.fields['frozen-error'].hidden = true;
    this.fields['baseline'].textContent = '';
    this.fields['success-progress'].textContent = '–';
    this.fields['success-bar'].style.width = '0';
    this.fields['relative-error'].textContent = '–';
    this.fields['agent-title'].textContent =
      `${this.id.toUpperCase()}: ${ruleLabel(config.rule)}, η = ${formatRate(config.learningRate)}`;
    this.fields['step-count'].textContent = '0';
    this.fields['error-ema'].textContent = '0';
    this.setSuccess(false, null);
    this.fields['run-state'].textContent = 'starting';
    this.fields['agent-note'].textContent = '';
    this.post({ type: 'start', run, config, track, speed, paused });
  }

  private setSuccess(success: boolean, at: number | null): void {
    const field = this.fields['success'];
    setText(field, success ? 'yes' : 'no');
    field.classList.toggle('yes', success);
    setText(this.fields['success-step'], at === null ? '–' : String(at));
  }

  private receive(message: FromWorker): void {
    if (message.type === 'export') {
      const kind = this.pendingExports.get(message.request);
      this.pendingExports.delete(message.request);
      if (kind === 'summary') download(`${message.name}-summary.json`, message.summary, 'application/json');
      else if (kind === 'log') download(`${message.name}-log.csv`, message.log, 'text/csv');
      return;
    }
    if (message.run !== this.run) return;
    if (message.type === 'error') {
      this.fields['run-state'].textContent = 'error';
      this.fields['agent-note'].textContent = message.message;
      say(`agent ${this.id.toUpperCase()}: ${message.message}`);
      return;
    }
    if (message.type === 'ready') {
      this.layout = message;
      this.fields['kernel'].textContent = message.kernel ?? '–';
      this.series = new Series(message.columns);
      this.charts = new AgentCharts(
        this.fields['charts'],
        message.layers,
        { baseline: message.baseline, threshold: message.threshold },
        COLOURS[this.id],
        this.chartWidth(),
      );
      this.network = message.network
        ? new NetworkView(
            this.fields['network-view'] as HTMLCanvasElement,
            message.network,
            message.config.rule,
          )
        : null;
      this.fields['network-view'].parentElement!.hidden = message.network === null;
      this.fields['baseline'].textContent =
        message.baseline === null
          ? 'No reflex baseline: success cannot be judged.'
          : `Reflex alone: mean |e| ${message.baseline.toFixed(4)}; success threshold ${message.threshold.toFixed(4)} ` +
            `(${formatRate(message.config.success.threshold)} × the reflex), held for ${message.window.toLocaleString('en')} steps (a lap is ${message.lapSteps.toLocaleString('en')}).`;
      if (this.id === 'a') {
        view = drawTrack(trackCanvas, robotCanvas, message.track, CANVAS_MAX.width, CANVAS_MAX.height);
        trackName.textContent = message.track.name;
        document.body.dataset.trackWidth = String(message.track.width);
        cameraBox.hidden = message.camera === null;
      }
      return;
    }
    this.frame = message;
    this.series?.append(message.rows);
    this.chartsDirty = true;
    if (message.network) {
      this.sample = message.network;
      this.sampleDirty = true;
    }
    this.fieldsDirty = true;
  }

  /** Shows the last frame's numbers (called from the render loop, about ten times a second). */
  showFields(): void {
    const message = this.frame;
    if (!this.fieldsDirty || !message) return;
    this.fieldsDirty = false;
    const f = this.fields;
    setText(f['step-count'], String(message.step));
    setText(f['error-ema'], message.ema.toFixed(4));
    setText(f['relative-error'], message.relativeError === null ? '–' : message.relativeError.toFixed(2));
    this.setSuccess(message.success, message.stepsToSuccess);
    this.showProgress(message);
    setText(f['steps-per-second'], String(Math.round(message.stepsPerSecond)));
    const dt = this.layout?.config.world.dt ?? 0.05;
    setText(f['real-time'], (message.stepsPerSecond * dt).toFixed(1));
    setText(f['line-lost'], String(message.lostLine));
    setText(
      f['run-state'],
      message.phase === 'evaluation' && message.state === 'running' ? 'evaluating (frozen)' : message.state,
    );
    setText(f['agent-note'], message.note);
    this.showEvaluation(message);
  }

  /** The success streak as progress: "below threshold for 1,200 of 2,000 steps". */
  private showProgress(frame: Frame): void {
    const layout = this.layout;
    if (!layout) return;
    const f = this.fields;
    const window = layout.window;
    const n = (v: number) => v.toLocaleString('en');
    let text: string;
    let share: number;
    if (layout.baseline === null) {
      text = 'no baseline, so no success to measure';
      share = 0;
    } else if (frame.success) {
      text = `success: below threshold for ${n(window)} steps from step ${n(frame.stepsToSuccess ?? 0)}`;
      share = 1;
    } else {
      const below = Math.min(frame.stepsBelow, window);
      text =
        below > 0
          ? `below threshold for ${n(below)} of ${n(window)} steps`
          : `above threshold (average ${frame.ema.toFixed(4)} > ${layout.threshold.toFixed(4)}): 0 of ${n(window)} steps`;
      share = below / window;
    }
    if (frame.phase !== 'learning' && !frame.success) text += ' (learning has stopped)';
    setText(f['success-progress'], text);
    const width = `${(100 * share).toFixed(1)}%`;
    if (f['success-bar'].style.width !== width) f['success-bar'].style.width = width;
  }

  /** The frozen evaluation: under way, or its result. */
  private showEvaluation(frame: Frame): void {
    const box = this.fields['frozen-error'];
    const layout = this.layout;
    if (frame.phase === 'learning' || !layout) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const what = layout.config.rule === 'reflex' ? 'the reflex alone' : 'frozen weights';
    if (frame.evaluation) {
      const e = frame.evaluation;
      box.dataset.value = String(e.meanAbsError);
      box.textContent =
        `Evaluation lap with ${what}: mean |e| ${e.meanAbsError.toFixed(4)}` +
        (e.relativeError === null ? '' : ` = ${e.relativeError.toFixed(2)} × the reflex alone`) +
        ` (${e.steps.toLocaleString('en')} steps, ${e.lostLine} line ${e.lostLine === 1 ? 'loss' : 'losses'}).`;
    } else if (frame.phase === 'evaluation') {
      delete box.dataset.value;
      const p = frame.evaluationProgress;
      box.textContent = `Evaluating one lap with ${what}, from the start: ${p.steps.toLocaleString('en')} of ${p.of.toLocaleString('en')} steps…`;
    } else {
      box.hidden = true;
    }
  }

  /** Redraws the network view and checks for a dead or saturated network. */
  drawNetwork(): void {
    if (!this.sampleDirty || !this.sample || !this.network) return;
    this.sampleDirty = false;
    this.network.draw(this.sample);
    this.showHint();
  }

  /** A hint when the network is dead (no weight change, output constant) or saturated. */
  private showHint(): void {
    const hint = this.fields['network-hint'];
    const text = networkHint(this.layout, this.series, this.sample, this.frame);
    hint.hidden = text === null;
    hint.textContent = text ?? '';
  }

  private requestExport(kind: 'summary' | 'log'): void {
    const request = ++this.exportRequest;
    this.pendingExports.set(request, kind);
    this.post({ type: 'export', request });
  }

  dispose(): void {
    this.resizer.disconnect();
    this.worker.terminate();
    this.charts?.destroy();
    this.panel.remove();
  }
}

/** Sets an element's text only when it changed (each change costs a layout). */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Rows of the log (a row every 10 steps) that the dead-network check looks back over. */
const HINT_ROWS = 100;

/** Why the network is not learning, in words, or null when it looks alive. */
function networkHint(
  layout: RunLayout | null,
  series: Series | null,
  sample: NetworkSample | null,
  frame: Frame | null,
): string | null {
  if (!layout?.network || !series || !sample || !frame || frame.phase !== 'learning') return null;
  const n = series.length;
  if (n < HINT_ROWS) return null;
  const command = series.column('networkCommand');
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = n - HINT_ROWS; i < n; i++) {
    low = Math.min(low, command[i]);
    high = Math.max(high, command[i]);
  }
  const constant = high - low < 1e-9;
  let still = true;
  for (let l = 0; l < layout.layers; l++) {
    const d = series.column(`weightDistance${l + 1}`);
    if (Math.abs(d[n - 1] - d[n - HINT_ROWS]) > 1e-9 * Math.max(1, d[n - 1])) still = false;
  }
  // Hidden neurons that are dead (relu at 0) or saturated (sigmoid, tanh at their limits).
  let stuck = 0;
  let total = 0;
  sample.layers.forEach((layer, l) => {
    const f = layout.network!.activations[l];
    const limit = f === 'sigmoid' ? 0.5 : f === 'tanh' ? 1 : null;
    for (const a of layer.activation) {
      total++;
      if (f === 'relu' ? a === 0 : limit !== null && Math.abs(a) > 0.995 * limit) stuck++;
    }
  });
  const config = layout.config;
  const steps = (HINT_ROWS * config.logEvery).toLocaleString('en');
  if (config.world.predictors === 'blind' && constant)
    return `Blind predictors: every input is 0, so the network outputs nothing and cannot learn. This is a control: the reflex drives alone.`;
  if (still && constant)
    return (
      `The network looks dead: its output has not changed and its weights have not moved in the last ${steps} steps` +
      (stuck > 0 ? ` (${stuck} of ${total} neurons are stuck at 0 or at a limit)` : '') +
      `. With ${config.network.activation} and a learning rate of ${formatRate(config.learningRate)}, ` +
      `try a smaller learning rate, fewer layers or the sigmoid.`
    );
  if (stuck >= 0.9 * total)
    return (
      `The network is saturated: ${stuck} of ${total} neurons sit at 0 or at the limit of their activation, ` +
      `so almost nothing passes back down${still ? ` and the weights have stopped moving` : ''}. ` +
      `Try a smaller learning rate.`
    );
  return null;
}

const agents: Partial<Record<AgentId, Agent>> = {};

function activeAgents(): Agent[] {
  return (['a', 'b'] as const).map((id) => agents[id]).filter((a): a is Agent => a !== undefined);
}

/** Starts a fresh run of every agent from the current settings. */
function restart(): void {
  const s = settings;
  if (s.track === 'upload' && !uploaded) s.track = 'default';
  const track: TrackSource =
    s.track === 'upload' && uploaded ? uploaded : { kind: 'builtin', spec: trackSpec(s) };
  const name = track.kind === 'image' ? track.name : track.spec;
  const ids: AgentId[] = s.side ? ['a', 'b'] : ['a'];
  const configs = new Map<AgentId, ReturnType<typeof runConfig>>();
  try {
    for (const id of ids) configs.set(id, runConfig(s, id, name));
  } catch (error) {
    say(plainMessage(error));
    return;
  }
  say('');
  if (!s.side && agents.b) {
    agents.b.dispose();
    delete agents.b;
  }
  for (const id of ids) agents[id] ??= new Agent(id);
  agentsBox.classList.toggle('side', s.side);
  layoutBox.classList.toggle('side', s.side);
  runCounter++;
  document.body.dataset.run = String(runCounter);
  for (const id of ids) agents[id]!.start(runCounter, configs.get(id)!, track, s.speed);
  const query = settingsToQuery(s);
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

/** Settings changed in the controls: keep them, and restart unless only the speed changed. */
function onSettingsChanged(): void {
  if (!inputsValid()) return;
  const before = settings;
  settings = readSettings();
  showSettings();
  const changed = (Object.keys(settings) as (keyof LabSettings)[]).filter((k) => settings[k] !== before[k]);
  if (changed.length === 0) return;
  if (changed.length === 1 && changed[0] === 'speed') {
    for (const agent of activeAgents()) agent.post({ type: 'speed', speed: settings.speed });
    history.replaceState(null, '', `${location.pathname}?${settingsToQuery(settings)}`);
    return;
  }
  restart();
}

for (const input of [
  controls.rule,
  controls.relevance,
  controls.layers,
  controls.activation,
  controls.inputs,
  controls.predictors,
  controls.reflexGain,
  controls.track,
  controls.trackSeed,
  controls.trackScale,
  controls.seed,
  controls.steps,
  controls.side,
  controls.ruleB,
  controls.speed,
]) {
  input.addEventListener('change', onSettingsChanged);
}
for (const [slider, output] of [
  [controls.lr, controls.lrValue],
  [controls.lrB, controls.lrBValue],
] as const) {
  slider.addEventListener('input', () => {
    output.value = formatRate(sliderRate(slider));
  });
  slider.addEventListener('change', () => {
    slider.dataset.touched = '1';
    onSettingsChanged();
    delete slider.dataset.touched;
  });
}

controls.trackUpload.addEventListener('change', async () => {
  const file = controls.trackUpload.files?.[0];
  if (!file) return;
  try {
    const image = await readPngFile(file);
    uploaded = { kind: 'image', name: file.name, ...image, cmPerPixel: settings.trackScale };
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return;
  } finally {
    controls.trackUpload.value = '';
  }
  settings = { ...settings, track: 'upload' };
  showSettings();
  restart();
  say(`Uploaded ${file.name}; uploaded tracks are not part of shared links.`, 'info');
});

controls.trackScale.addEventListener('change', () => {
  if (uploaded) uploaded = { ...uploaded, cmPerPixel: settings.trackScale };
});

controls.pause.addEventListener('click', () => {
  paused = !paused;
  controls.pause.textContent = paused ? 'Resume' : 'Pause';
  for (const agent of activeAgents()) agent.post({ type: 'pause', paused });
});

controls.step.addEventListener('click', () => {
  if (!paused) controls.pause.click();
  for (const agent of activeAgents()) agent.post({ type: 'step' });
});

// The settings apply on change; Enter in a field must not reload the page.
byId<HTMLFormElement>('controls').addEventListener('submit', (event) => event.preventDefault());

controls.reset.addEventListener('click', () => {
  if (inputsValid()) restart();
});

controls.evaluate.addEventListener('click', () => {
  if (paused) controls.pause.click();
  for (const agent of activeAgents()) agent.post({ type: 'evaluate' });
});

controls.share.addEventListener('click', async () => {
  const url = `${location.origin}${location.pathname}?${settingsToQuery(settings)}`;
  try {
    await navigator.clipboard.writeText(url);
    say('Link copied.', 'info');
  } catch {
    say(`Link: ${url}`, 'info');
  }
});

// Rendering: every animation frame draws the robots; charts refresh a few times a second.
const overlay = robotCanvas.getContext('2d')!;
let frames = 0;
let fpsSince = performance.now();
let chartsAt = 0;
let networkAt = 0;
let fieldsAt = 0;

function render(now: number): void {
  frames++;
  if (now - fpsSince >= 1000) {
    fpsText.textContent = String(Math.round((frames * 1000) / (now - fpsSince)));
    frames = 0;
    fpsSince = now;
  }
  overlay.clearRect(0, 0, robotCanvas.width, robotCanvas.height);
  if (view) {
    for (const agent of activeAgents()) {
      const { layout, frame, series } = agent;
      if (!layout || !frame || !series) continue;
      const xs = series.column('x');
      const ys = series.column('y');
      drawTrail(
        overlay,
        view,
        xs,
        ys,
        Math.max(0, series.length - TRAIL_ROWS),
        series.length,
        frame.pose,
        COLOURS[agent.id],
      );
      drawRobot(overlay, view, layout, frame.pose, COLOURS[agent.id]);
      if (agent.id === 'a' && layout.camera && frame.camera)
        drawCamera(cameraCanvas, layout.camera.width, layout.camera.height, frame.camera);
    }
  }
  if (now - fieldsAt >= 100) {
    fieldsAt = now;
    for (const agent of activeAgents()) agent.showFields();
  }
  if (now - networkAt >= 250) {
    networkAt = now;
    for (const agent of activeAgents()) agent.drawNetwork();
  }
  if (now - chartsAt >= 300) {
    chartsAt = now;
    for (const agent of activeAgents()) {
      if (agent.chartsDirty && agent.charts && agent.series) {
        agent.charts.update(agent.series);
        agent.chartsDirty = false;
      }
    }
  }
  requestAnimationFrame(render);
}

showSettings();
restart();
requestAnimationFrame(render);
