// One agent's panel on the lab page: its simulation worker, numbers, charts and network view.
import type { RunConfig } from '../../src/run/config.js';
import { AgentCharts, Series } from './charts.js';
import { download, formatRate, ruleLabel, setText } from './dom.js';
import { NetworkView } from './netview.js';
import type { Frame, FromWorker, NetworkSample, RunLayout, ToWorker, TrackSource } from './protocol.js';
import { sinceText, VERDICT_COLOURS, type VerdictInput, verdictLabel, verdictOf } from './verdict.js';

/** The two agents: A, and B when two race side by side. */
export type AgentId = 'a' | 'b';

/** What a panel needs from the page. */
export interface PanelContext {
  /** The panel's markup. */
  template: HTMLTemplateElement;
  /** Where the panels go. */
  container: HTMLElement;
  /** Shows a message to the user. */
  say(text: string): void;
  /** The worker has built its run (the page draws agent A's track). */
  ready(panel: AgentPanel, layout: RunLayout): void;
}

/** One agent on the page: its worker, its panel, its logged rows and charts. */
export class AgentPanel {
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
  /** The agent's colour (its rule's, from the one palette), in its panel, its charts and its robot. */
  colour = '#000000';
  /** The top of the |e| chart's y-scale, shared by racing agents (one scale for both). */
  sharedScale = { max: 0 };
  private readonly resizer: ResizeObserver;
  private exportRequest = 0;
  private readonly pendingExports = new Map<number, 'summary' | 'log'>();

  constructor(
    readonly id: AgentId,
    private readonly page: PanelContext,
  ) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      page.say(`agent ${id.toUpperCase()}: ${event.message || 'the simulation stopped'}`);
    };
    const fragment = page.template.content.cloneNode(true) as DocumentFragment;
    this.panel = fragment.querySelector('article')!;
    this.panel.dataset.agent = id;
    this.panel.dataset.testid = `agent-${id}`;
    this.fields = {};
    for (const element of this.panel.querySelectorAll<HTMLElement>('[data-testid]'))
      this.fields[element.dataset.testid!] = element;
    this.fields['export-summary'].addEventListener('click', () => this.requestExport('summary'));
    this.fields['export-log'].addEventListener('click', () => this.requestExport('log'));
    page.container.append(this.panel);
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

  start(
    run: number,
    config: RunConfig,
    track: TrackSource,
    speed: number,
    paused: boolean,
    colour: string,
  ): void {
    this.run = run;
    this.colour = colour;
    this.panel.querySelector<HTMLElement>('.swatch')!.style.background = colour;
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
    this.showVerdict(null);
    this.fields['run-state'].textContent = 'starting';
    this.fields['agent-note'].textContent = '';
    this.post({ type: 'start', run, config, track, speed, paused });
  }

  /** What the verdict is judged from in a frame. */
  private verdictInput(frame: Frame): VerdictInput {
    return {
      success: frame.success,
      relativeError: frame.relativeError,
      frozenRelativeError: frame.evaluation?.relativeError ?? null,
      threshold: this.layout?.config.success.threshold ?? 0.5,
    };
  }

  /**
   * Success and what happened since: green while the error stays under the threshold, amber once it
   * has risen above it, red once it is no better than the reflex alone (or the frozen lap is not).
   */
  private showVerdict(frame: Frame | null): void {
    const verdict = frame ? verdictOf(this.verdictInput(frame)) : 'none';
    const field = this.fields['success'];
    setText(field, verdictLabel(verdict));
    if (field.dataset.verdict !== verdict) {
      field.dataset.verdict = verdict;
      field.style.color = VERDICT_COLOURS[verdict];
      this.fields['success-bar'].style.background =
        verdict === 'none' ? VERDICT_COLOURS.holding : VERDICT_COLOURS[verdict];
    }
    const at = frame?.stepsToSuccess ?? null;
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
      this.page.say(`agent ${this.id.toUpperCase()}: ${message.message}`);
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
        this.colour,
        this.chartWidth(),
        this.sharedScale,
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
      this.page.ready(this, message);
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
    this.showVerdict(message);
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
      text = sinceText(this.verdictInput(frame), frame.stepsToSuccess) ?? '';
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
