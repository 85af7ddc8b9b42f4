// The settings form and the run buttons: shows settings, reads them back, checks typed fields.
import { ACTIVATIONS } from '../../src/backend/activation.js';
import { RUN_RULES } from '../../src/run/config.js';
import { byId, fillSelect, formatRate, ruleLabel } from './dom.js';
import type { TrackSource } from './protocol.js';
import {
  BUILTIN_CHOICES,
  checkInputs,
  type LabSettings,
  PREDICTOR_MODES,
  type RawInputs,
  RELEVANCE_CHOICES,
  SPEEDS,
} from './settings.js';

/** An uploaded PNG track. */
export type UploadedTrack = Extract<TrackSource, { kind: 'image' }>;

/** What the page does when a control is used. */
export interface ControlHandlers {
  /** A setting changed (applied on change; sliders on release). */
  settingsChanged(): void;
  /** A PNG track file was chosen. */
  upload(file: File): void;
  trackScaleChanged(): void;
  pause(): void;
  step(): void;
  reset(): void;
  evaluate(): void;
  share(): void;
}

function sliderRate(input: HTMLInputElement): number {
  return Number((10 ** Number(input.value)).toPrecision(2));
}

function integerOr(text: string, fallback: number): number {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) ? n : fallback;
}

/** The form's elements, found once. */
export class LabControls {
  readonly rule = byId<HTMLSelectElement>('rule');
  readonly lr = byId<HTMLInputElement>('lr');
  readonly lrValue = byId<HTMLOutputElement>('lr-value');
  readonly relevance = byId<HTMLSelectElement>('relevance');
  readonly layers = byId<HTMLInputElement>('layers');
  readonly activation = byId<HTMLSelectElement>('activation');
  readonly inputs = byId<HTMLSelectElement>('inputs');
  readonly predictors = byId<HTMLSelectElement>('predictors');
  readonly reflexGain = byId<HTMLInputElement>('reflex-gain');
  readonly track = byId<HTMLSelectElement>('track');
  readonly trackSeed = byId<HTMLInputElement>('track-seed');
  readonly trackSeedLabel = byId<HTMLLabelElement>('track-seed-label');
  readonly trackUpload = byId<HTMLInputElement>('track-upload');
  readonly trackScale = byId<HTMLInputElement>('track-scale');
  readonly seed = byId<HTMLInputElement>('seed');
  readonly steps = byId<HTMLInputElement>('steps');
  readonly side = byId<HTMLInputElement>('side');
  readonly ruleB = byId<HTMLSelectElement>('rule-b');
  readonly lrB = byId<HTMLInputElement>('lr-b');
  readonly lrBValue = byId<HTMLOutputElement>('lr-b-value');
  readonly speed = byId<HTMLSelectElement>('speed');
  readonly pause = byId<HTMLButtonElement>('pause');
  readonly step = byId<HTMLButtonElement>('step');
  readonly reset = byId<HTMLButtonElement>('reset');
  readonly evaluate = byId<HTMLButtonElement>('evaluate');
  readonly share = byId<HTMLButtonElement>('share');
  readonly message = byId<HTMLParagraphElement>('message');
  private readonly form = byId<HTMLFormElement>('controls');
  private readonly agentsBox = byId<HTMLElement>('agents');
  private readonly layoutBox = byId<HTMLElement>('layout');
  /** The typed fields that checkInputs judges. */
  private readonly rawFields: Record<keyof RawInputs, HTMLInputElement> = {
    layers: this.layers,
    seed: this.seed,
    trackSeed: this.trackSeed,
    steps: this.steps,
    trackScale: this.trackScale,
    reflexGain: this.reflexGain,
  };

  constructor() {
    fillSelect(this.rule, RUN_RULES, ruleLabel);
    fillSelect(this.ruleB, RUN_RULES, ruleLabel);
    fillSelect(this.relevance, RELEVANCE_CHOICES);
    fillSelect(this.activation, ACTIVATIONS);
    fillSelect(this.track, BUILTIN_CHOICES);
    fillSelect(this.predictors, PREDICTOR_MODES, (p) =>
      p === 'ahead' ? 'ahead (the task)' : p === 'at-reflex' ? 'at-reflex (control)' : 'blind (control)',
    );
    fillSelect(this.speed, SPEEDS, (s: number) => (s === 0 ? 'as fast as possible' : `${s}× real time`));
    for (const option of this.speed.options) if (option.value === '0') option.value = 'max';
  }

  /** Shows the settings in the controls. */
  show(s: LabSettings, uploaded: UploadedTrack | null): void {
    this.rule.value = s.rule;
    this.lr.value = String(Math.log10(Math.max(s.learningRate, 1e-4)));
    this.lrValue.value = formatRate(s.learningRate);
    this.relevance.value = s.relevance;
    this.layers.value = s.layers;
    this.activation.value = s.activation;
    this.inputs.value = s.inputs;
    this.predictors.value = s.predictors;
    this.reflexGain.value = String(s.reflexGain);
    if (s.track === 'upload' && uploaded && !this.track.querySelector('option[value="upload"]')) {
      const option = document.createElement('option');
      option.value = 'upload';
      this.track.append(option);
    }
    const uploadOption = this.track.querySelector<HTMLOptionElement>('option[value="upload"]');
    if (uploadOption && uploaded) uploadOption.textContent = `uploaded: ${uploaded.name}`;
    this.track.value = s.track;
    this.trackSeed.value = String(s.trackSeed);
    this.trackSeedLabel.hidden = s.track !== 'procedural';
    this.trackScale.value = String(s.trackScale);
    this.seed.value = String(s.seed);
    this.steps.value = String(s.steps);
    this.side.checked = s.side;
    this.ruleB.value = s.ruleB;
    this.lrB.value = String(Math.log10(Math.max(s.learningRateB, 1e-4)));
    this.lrBValue.value = formatRate(s.learningRateB);
    this.speed.value = s.speed === 0 ? 'max' : String(s.speed);
    this.showSide(s.side);
  }

  /** Lays the agents out side by side, or one alone. */
  showSide(side: boolean): void {
    this.agentsBox.classList.toggle('side', side);
    this.layoutBox.classList.toggle('side', side);
  }

  /** Reads the controls into settings (`s`: the settings they showed, for what a control leaves unset). */
  read(s: LabSettings): LabSettings {
    const scale = Number(this.trackScale.value);
    return {
      rule: this.rule.value as LabSettings['rule'],
      learningRate: this.lr.dataset.touched ? sliderRate(this.lr) : s.learningRate,
      ruleB: this.ruleB.value as LabSettings['rule'],
      learningRateB: this.lrB.dataset.touched ? sliderRate(this.lrB) : s.learningRateB,
      side: this.side.checked,
      layers: this.layers.value.replace(/\s+/g, ''),
      activation: this.activation.value as LabSettings['activation'],
      relevance: this.relevance.value,
      inputs: this.inputs.value as LabSettings['inputs'],
      predictors: this.predictors.value as LabSettings['predictors'],
      reflexGain: Number(this.reflexGain.value),
      track: this.track.value,
      trackSeed: integerOr(this.trackSeed.value, s.trackSeed),
      trackScale: Number.isFinite(scale) && scale > 0 ? scale : s.trackScale,
      seed: integerOr(this.seed.value, s.seed),
      speed: this.speed.value === 'max' ? 0 : Number(this.speed.value),
      steps: Math.max(1, Math.min(2_000_000, integerOr(this.steps.value, s.steps))),
    };
  }

  /** Checks the typed controls; shows what is wrong in plain words and marks the fields. */
  valid(s: LabSettings): boolean {
    const raw = Object.fromEntries(
      Object.entries(this.rawFields).map(([key, input]) => [key, input.value]),
    ) as unknown as RawInputs;
    // The track seed only matters for the procedural track.
    if (this.track.value !== 'procedural') raw.trackSeed = String(s.trackSeed);
    const problems = checkInputs(raw);
    for (const [key, input] of Object.entries(this.rawFields)) {
      const problem = problems.find((p) => p.field === key);
      if (problem) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (problems.length > 0) this.say(problems.map((p) => p.message).join(' '));
    return problems.length === 0;
  }

  /** A message under the buttons: an error, or information. */
  say(text: string, kind: 'error' | 'info' = 'error'): void {
    this.message.textContent = text;
    this.message.classList.toggle('info', kind === 'info');
  }

  /** Shows whether the run is paused on the pause button. */
  showPaused(paused: boolean): void {
    this.pause.textContent = paused ? 'Resume' : 'Pause';
  }

  /** Wires every control to the page's handlers. */
  bind(on: ControlHandlers): void {
    for (const input of [
      this.rule,
      this.relevance,
      this.layers,
      this.activation,
      this.inputs,
      this.predictors,
      this.reflexGain,
      this.track,
      this.trackSeed,
      this.trackScale,
      this.seed,
      this.steps,
      this.side,
      this.ruleB,
      this.speed,
    ]) {
      input.addEventListener('change', () => on.settingsChanged());
    }
    for (const [slider, output] of [
      [this.lr, this.lrValue],
      [this.lrB, this.lrBValue],
    ] as const) {
      slider.addEventListener('input', () => {
        output.value = formatRate(sliderRate(slider));
      });
      slider.addEventListener('change', () => {
        slider.dataset.touched = '1';
        on.settingsChanged();
        delete slider.dataset.touched;
      });
    }
    this.trackUpload.addEventListener('change', () => {
      const file = this.trackUpload.files?.[0];
      this.trackUpload.value = '';
      if (file) on.upload(file);
    });
    this.trackScale.addEventListener('change', () => on.trackScaleChanged());
    this.pause.addEventListener('click', () => on.pause());
    this.step.addEventListener('click', () => on.step());
    // The settings apply on change; Enter in a field must not reload the page.
    this.form.addEventListener('submit', (event) => event.preventDefault());
    this.reset.addEventListener('click', () => on.reset());
    this.evaluate.addEventListener('click', () => on.evaluate());
    this.share.addEventListener('click', () => on.share());
  }
}
