// The live lab: controls, one simulation worker per agent, the track canvas and the charts.
import './zodConfig.js';
import { RUN_RULES } from '../../src/experiments/config.js';
import { ACTIVATIONS } from '../../src/net/activation.js';
import { AgentCharts, Series } from './charts.js';
import { drawCamera, drawRobot, drawTrack, drawTrail, type View } from './draw.js';
import { readPngFile } from './png.js';
import type { Frame, FromWorker, RunLayout, ToWorker, TrackSource } from './protocol.js';
import {
  BUILTIN_CHOICES,
  type LabSettings,
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
    track: controls.track.value,
    trackSeed: integerOr(controls.trackSeed.value, s.trackSeed),
    trackScale: Number.isFinite(scale) && scale > 0 ? scale : s.trackScale,
    seed: integerOr(controls.seed.value, s.seed),
    speed: controls.speed.value === 'max' ? 0 : Number(controls.speed.value),
    steps: Math.max(1, Math.min(2_000_000, integerOr(controls.steps.value, s.steps))),
  };
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
    field.textContent = success ? 'yes' : 'no';
    field.classList.toggle('yes', success);
    this.fields['success-step'].textContent = at === null ? '–' : String(at);
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
        message.config.success.threshold,
        COLOURS[this.id],
        chartWidth(),
      );
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
    const f = this.fields;
    f['step-count'].textContent = String(message.step);
    f['error-ema'].textContent = message.ema.toFixed(4);
    this.setSuccess(message.success, message.stepsToSuccess);
    f['steps-per-second'].textContent = String(Math.round(message.stepsPerSecond));
    const dt = this.layout?.config.world.dt ?? 0.05;
    f['real-time'].textContent = (message.stepsPerSecond * dt).toFixed(1);
    f['line-lost'].textContent = String(message.lostLine);
    f['run-state'].textContent = message.state;
    f['agent-note'].textContent = message.note;
  }

  private requestExport(kind: 'summary' | 'log'): void {
    const request = ++this.exportRequest;
    this.pendingExports.set(request, kind);
    this.post({ type: 'export', request });
  }

  dispose(): void {
    this.worker.terminate();
    this.charts?.destroy();
    this.panel.remove();
  }
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

function chartWidth(): number {
  const total = agentsBox.clientWidth || 480;
  const columns = settings.side ? 2 : 1;
  return Math.max(240, Math.floor((total - (columns - 1) * 12) / columns) - 24);
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
    say(error instanceof Error ? error.message : String(error));
    return;
  }
  say('');
  if (!s.side && agents.b) {
    agents.b.dispose();
    delete agents.b;
  }
  for (const id of ids) agents[id] ??= new Agent(id);
  agentsBox.classList.toggle('side', s.side);
  runCounter++;
  document.body.dataset.run = String(runCounter);
  for (const id of ids) agents[id]!.start(runCounter, configs.get(id)!, track, s.speed);
  const query = settingsToQuery(s);
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

/** Settings changed in the controls: keep them, and restart unless only the speed changed. */
function onSettingsChanged(): void {
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

controls.reset.addEventListener('click', () => restart());

controls.share.addEventListener('click', async () => {
  const url = `${location.origin}${location.pathname}?${settingsToQuery(settings)}`;
  try {
    await navigator.clipboard.writeText(url);
    say('Link copied.', 'info');
  } catch {
    say(`Link: ${url}`, 'info');
  }
});

window.addEventListener('resize', () => {
  for (const agent of activeAgents()) agent.charts?.resize(chartWidth());
});

// Rendering: every animation frame draws the robots; charts refresh a few times a second.
const overlay = robotCanvas.getContext('2d')!;
let frames = 0;
let fpsSince = performance.now();
let chartsAt = 0;

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
