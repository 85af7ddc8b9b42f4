// The live lab: the controls, one simulation worker per agent, the track canvas and the charts.
import './zodConfig.js';
import type { RunConfig } from '../../src/run/config.js';
import { type AgentId, AgentPanel } from './agentPanel.js';
import { LabControls, type UploadedTrack } from './controls.js';
import { byId } from './dom.js';
import { drawTrack, type View } from './draw.js';
import { readPngFile } from './png.js';
import type { RunLayout, TrackSource } from './protocol.js';
import { RaceChart } from './raceChart.js';
import { startRenderLoop } from './render.js';
import {
  FAILING_CONTROL,
  FAILING_CONTROL_NOTE,
  type LabSettings,
  plainMessage,
  runConfig,
  settingsFromQuery,
  settingsToQuery,
  trackSpec,
} from './settings.js';
import { agentColours } from './verdict.js';

const CANVAS_MAX = { width: 640, height: 500 };

const controls = new LabControls();
const trackCanvas = byId<HTMLCanvasElement>('track-canvas');
const robotCanvas = byId<HTMLCanvasElement>('robot-canvas');
const cameraBox = byId<HTMLSpanElement>('camera-box');
const trackName = byId<HTMLElement>('track-name');
const raceBox = byId<HTMLElement>('race');
const race = new RaceChart(byId<HTMLElement>('race-chart'));

/** The page's state: the settings shown, an uploaded track, the agents and their runs. */
const lab = {
  settings: settingsFromQuery(location.search) as LabSettings,
  uploaded: null as UploadedTrack | null,
  paused: false,
  runCounter: 0,
  view: null as View | null,
  agents: {} as Partial<Record<AgentId, AgentPanel>>,
};

const panelContext = {
  template: byId<HTMLTemplateElement>('agent-template'),
  container: byId<HTMLElement>('agents'),
  say: (text: string) => controls.say(text),
  ready(panel: AgentPanel, layout: RunLayout): void {
    if (panel.id !== 'a') return;
    lab.view = drawTrack(trackCanvas, robotCanvas, layout.track, CANVAS_MAX.width, CANVAS_MAX.height);
    trackName.textContent = layout.track.name;
    document.body.dataset.trackWidth = String(layout.track.width);
    cameraBox.hidden = layout.camera === null;
  },
};

function activeAgents(): AgentPanel[] {
  return (['a', 'b'] as const).map((id) => lab.agents[id]).filter((a): a is AgentPanel => a !== undefined);
}

function rememberSettings(): void {
  history.replaceState(null, '', `${location.pathname}?${settingsToQuery(lab.settings)}`);
}

/** Starts a fresh run of every agent from the current settings. */
function restart(): void {
  const s = lab.settings;
  if (s.track === 'upload' && !lab.uploaded) s.track = 'default';
  const track: TrackSource =
    s.track === 'upload' && lab.uploaded ? lab.uploaded : { kind: 'builtin', spec: trackSpec(s) };
  const name = track.kind === 'image' ? track.name : track.spec;
  const ids: AgentId[] = s.side ? ['a', 'b'] : ['a'];
  const configs = new Map<AgentId, RunConfig>();
  try {
    for (const id of ids) configs.set(id, runConfig(s, id, name));
  } catch (error) {
    controls.say(plainMessage(error));
    return;
  }
  controls.say('');
  if (!s.side && lab.agents.b) {
    lab.agents.b.dispose();
    delete lab.agents.b;
  }
  for (const id of ids) lab.agents[id] ??= new AgentPanel(id, panelContext);
  controls.showSide(s.side);
  lab.runCounter++;
  document.body.dataset.run = String(lab.runCounter);
  const colours = agentColours(configs.get('a')!.rule, configs.get('b')?.rule ?? null);
  // Racing agents' |e| charts share one y-scale.
  const sharedScale = { max: 0 };
  for (const id of ids) lab.agents[id]!.sharedScale = s.side ? sharedScale : { max: 0 };
  for (const id of ids)
    lab.agents[id]!.start(lab.runCounter, configs.get(id)!, track, s.speed, lab.paused, colours[id]);
  race.destroy();
  raceBox.hidden = !s.side;
  rememberSettings();
}

/** Settings changed in the controls: keep them, and restart unless only the speed changed. */
function onSettingsChanged(): void {
  if (!controls.valid(lab.settings)) return;
  const before = lab.settings;
  lab.settings = controls.read(before);
  controls.show(lab.settings, lab.uploaded);
  const changed = (Object.keys(lab.settings) as (keyof LabSettings)[]).filter(
    (k) => lab.settings[k] !== before[k],
  );
  if (changed.length === 0) return;
  if (changed.length === 1 && changed[0] === 'speed') {
    for (const agent of activeAgents()) agent.post({ type: 'speed', speed: lab.settings.speed });
    rememberSettings();
    return;
  }
  restart();
}

function togglePause(): void {
  lab.paused = !lab.paused;
  controls.showPaused(lab.paused);
  for (const agent of activeAgents()) agent.post({ type: 'pause', paused: lab.paused });
}

controls.bind({
  settingsChanged: onSettingsChanged,
  async upload(file) {
    try {
      const image = await readPngFile(file);
      lab.uploaded = { kind: 'image', name: file.name, ...image, cmPerPixel: lab.settings.trackScale };
    } catch (error) {
      controls.say(error instanceof Error ? error.message : String(error));
      return;
    }
    lab.settings = { ...lab.settings, track: 'upload' };
    controls.show(lab.settings, lab.uploaded);
    restart();
    controls.say(`Uploaded ${file.name}; uploaded tracks are not part of shared links.`, 'info');
  },
  trackScaleChanged() {
    if (lab.uploaded) lab.uploaded = { ...lab.uploaded, cmPerPixel: lab.settings.trackScale };
  },
  pause: togglePause,
  step() {
    if (!lab.paused) togglePause();
    for (const agent of activeAgents()) agent.post({ type: 'step' });
  },
  reset() {
    if (controls.valid(lab.settings)) restart();
  },
  evaluate() {
    if (lab.paused) togglePause();
    for (const agent of activeAgents()) agent.post({ type: 'evaluate' });
  },
  async share() {
    const url = `${location.origin}${location.pathname}?${settingsToQuery(lab.settings)}`;
    try {
      await navigator.clipboard.writeText(url);
      controls.say('Link copied.', 'info');
    } catch {
      controls.say(`Link: ${url}`, 'info');
    }
  },
});

/** A run that fails (the blind-predictors control), one click away, with why. */
byId<HTMLButtonElement>('failing-control').addEventListener('click', () => {
  lab.settings = {
    ...lab.settings,
    ...FAILING_CONTROL,
    steps: Math.max(lab.settings.steps, FAILING_CONTROL.steps),
  };
  controls.show(lab.settings, lab.uploaded);
  restart();
  controls.say(FAILING_CONTROL_NOTE, 'info');
});

controls.show(lab.settings, lab.uploaded);
restart();
startRenderLoop({
  robotCanvas,
  cameraCanvas: byId<HTMLCanvasElement>('camera-canvas'),
  fpsText: byId<HTMLElement>('fps'),
  view: () => lab.view,
  agents: activeAgents,
  chartsDrawn() {
    if (!raceBox.hidden) race.update(activeAgents());
  },
});
