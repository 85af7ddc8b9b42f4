// The simulation worker: runs one closed-loop Simulation (the same core code as the CLI) at the
// requested speed and streams frames to the page.
import './zodConfig.js';
import { parseRunConfig } from '../../src/run/config.js';
import { Simulation } from '../../src/run/simulation.js';
import { GroundTexture } from '../../src/world/texture.js';
import { builtinTrack, type Track, trackFromTexture } from '../../src/world/track.js';
import {
  type Frame,
  type FromWorker,
  NET_MAX_COLUMNS,
  NET_MAX_ROWS,
  type NetworkSample,
  type Speed,
  type ToWorker,
  type TrackSource,
} from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Longest stretch of simulation between two looks at the message queue, ms. */
const SLICE_MS = 20;
/** Frames to the page at most this often, ms. */
const FRAME_MS = 30;
/** A look inside the network at most this often, ms (the page draws it at this rate). */
const NETWORK_MS = 250;

let sim: Simulation | null = null;
let run = 0;
let speed: Speed = 10;
let paused = false;
let sentRows = 0;
let carry = 0;
let lastTick = 0;
let lastFrame = 0;
let scheduled = false;
let dirty = false;
let lastNetwork = 0;
let evaluation: Frame['evaluation'] = null;
const rate = { since: 0, steps: 0, value: 0 };

// A zero-delay wake-up (setTimeout(0) is clamped to 4 ms when nested).
const wake = new MessageChannel();
wake.port1.onmessage = () => tick();

function schedule(delay: number): void {
  if (scheduled) return;
  scheduled = true;
  if (delay <= 0) wake.port2.postMessage(null);
  else setTimeout(() => tick(), delay);
}

function buildTrack(source: TrackSource, lineWidth: number): Track {
  if (source.kind === 'builtin') return builtinTrack(source.spec, { lineWidth });
  const texture = GroundTexture.fromPixels(source.width, source.height, source.rgba, 4, source.cmPerPixel);
  return trackFromTexture(source.name, texture);
}

/** The centre of each disc sensor (the first sample of each disc is its centre). */
function centres(points: Float64Array, perSensor: number): Float64Array {
  const n = points.length / 2 / perSensor;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = points[2 * i * perSensor];
    out[2 * i + 1] = points[2 * i * perSensor + 1];
  }
  return out;
}

function start(message: Extract<ToWorker, { type: 'start' }>): void {
  run = message.run;
  speed = message.speed;
  paused = message.paused;
  sim = null;
  try {
    const config = parseRunConfig(message.config);
    const track = buildTrack(message.track, config.world.lineWidth);
    sim = new Simulation(config, track);
  } catch (error) {
    scope.postMessage({
      type: 'error',
      run,
      message: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  sentRows = 0;
  carry = 0;
  lastNetwork = 0;
  evaluation = null;
  rate.since = performance.now();
  rate.steps = 0;
  rate.value = 0;
  const world = sim.parts.simulator!;
  const texture = sim.parts.track.texture;
  const grey = texture.toGreyBytes();
  scope.postMessage(
    {
      type: 'ready',
      run,
      config: sim.config,
      track: {
        name: sim.parts.track.name,
        width: texture.width,
        height: texture.height,
        cmPerPixel: texture.cmPerPixel,
        grey,
      },
      reflex: centres(world.reflexSensors.points.local, world.reflexSensors.perSensor),
      rows: world.rowSensors ? centres(world.rowSensors.points.local, world.rowSensors.perSensor) : null,
      footprint: world.camera ? Float64Array.from(world.camera.footprint) : null,
      camera: world.camera ? { width: world.camera.width, height: world.camera.height } : null,
      columns: sim.log.columns,
      layers: sim.parts.network?.layers.length ?? 0,
      kernel: sim.parts.network?.kernel.name ?? null,
      baseline: sim.reflexMeanAbsError,
      threshold: sim.metrics.absoluteThreshold,
      window: sim.metrics.window,
      lapSteps: sim.lapSteps,
      network: sim.parts.network
        ? {
            inputs: sim.parts.network.inputs,
            widths: sim.parts.network.layers.map((l) => l.outputs),
            activations: sim.parts.network.layers.map((l) => l.activation),
          }
        : null,
    },
    [grey.buffer],
  );
  dirty = true;
  lastTick = performance.now();
  schedule(0);
}

function advance(n: number): void {
  if (!sim) return;
  const done = sim.advanceMany(n);
  rate.steps += done;
}

function tick(): void {
  scheduled = false;
  const now = performance.now();
  const elapsed = Math.min(now - lastTick, 250);
  lastTick = now;
  const running = sim !== null && !paused && !sim.done;
  if (running && sim) {
    if (speed <= 0) {
      const end = now + SLICE_MS;
      while (performance.now() < end && !sim.done) advance(25);
    } else {
      carry += ((elapsed / 1000) * speed) / sim.config.world.dt;
      const n = Math.floor(carry);
      carry -= n;
      const end = now + SLICE_MS;
      let left = n;
      while (left > 0 && performance.now() < end && !sim.done) {
        const k = Math.min(left, 25);
        advance(k);
        left -= k;
      }
      // Behind real time: drop the debt rather than stall the page.
      if (left > 0) carry = 0;
    }
    dirty = true;
  }
  if (now - rate.since >= 1000) {
    rate.value = (rate.steps * 1000) / (now - rate.since);
    rate.since = now;
    rate.steps = 0;
    dirty = true;
  }
  if (dirty && now - lastFrame >= FRAME_MS) sendFrame(now);
  const stillRunning = sim !== null && !paused && !sim.done;
  if (stillRunning) schedule(speed <= 0 ? 0 : 8);
  else if (dirty) schedule(FRAME_MS);
}

function sendFrame(now: number): void {
  if (!sim) return;
  lastFrame = now;
  dirty = false;
  const log = sim.log;
  const rows = log.data.map((column) => column.slice(sentRows, log.rows));
  sentRows = log.rows;
  const m = sim.metrics;
  const pose = sim.pose;
  const camera = sim.parts.simulator?.camera ? Float32Array.from(sim.parts.simulator.camera.image) : null;
  let state: 'running' | 'paused' | 'finished' | 'diverged' = paused ? 'paused' : 'running';
  let note = '';
  if (sim.divergence) {
    state = 'diverged';
    const d = sim.divergence;
    note = `non-finite ${d.what} in layer ${d.layer} at step ${d.step}: try a smaller learning rate`;
  } else if (sim.done) state = 'finished';
  const transfer: Transferable[] = rows.map((r) => r.buffer);
  if (camera) transfer.push(camera.buffer);
  let network: NetworkSample | null = null;
  if (now - lastNetwork >= NETWORK_MS || sim.done) {
    lastNetwork = now;
    network = sampleNetwork(sim);
    if (network) {
      transfer.push(network.input.buffer);
      for (const l of network.layers) {
        transfer.push(l.change.buffer, l.activation.buffer);
        if (l.signal) transfer.push(l.signal.buffer);
      }
    }
  }
  if (sim.phase === 'done' && evaluation === null) evaluation = sim.summary().evaluation;
  const baseline = sim.reflexMeanAbsError;
  scope.postMessage(
    {
      type: 'frame',
      run,
      step: m.steps,
      ema: m.ema,
      success: m.success,
      stepsToSuccess: m.stepsToSuccess,
      lostLine: sim.lostLine,
      pose: { x: pose.x, y: pose.y, theta: pose.theta },
      state,
      stepsPerSecond: paused || sim.done ? 0 : rate.value,
      rows,
      camera,
      note,
      phase: sim.phase,
      stepsBelow: m.stepsBelow,
      relativeError: baseline ? m.meanAbsErrorLast() / baseline : null,
      evaluationProgress: sim.evaluationProgress,
      evaluation,
      network,
    },
    transfer,
  );
}

/** Averages a rows × columns matrix into at most outRows × outColumns cells (minus `base`, if given). */
function bin(
  values: Float64Array,
  base: Float64Array | null,
  rows: number,
  columns: number,
  outRows: number,
  outColumns: number,
): Float32Array {
  const out = new Float32Array(outRows * outColumns);
  const counts = new Float32Array(outRows * outColumns);
  for (let r = 0; r < rows; r++) {
    const br = Math.floor((r * outRows) / rows);
    for (let c = 0; c < columns; c++) {
      const k = r * columns + c;
      const cell = br * outColumns + Math.floor((c * outColumns) / columns);
      out[cell] += base ? values[k] - base[k] : values[k];
      counts[cell]++;
    }
  }
  for (let i = 0; i < out.length; i++) if (counts[i] > 0) out[i] /= counts[i];
  return out;
}

/** Weight change, activations and teaching signals of every layer, binned small for the page. */
function sampleNetwork(s: Simulation): NetworkSample | null {
  const net = s.parts.network;
  const initial = s.initialWeights;
  if (!net || !initial) return null;
  const frozen = s.phase !== 'learning';
  const signals = frozen ? null : (s.parts.rule?.lastSignals ?? null);
  const layers = net.layers.map((layer, l) => {
    const rows = Math.min(layer.outputs, NET_MAX_ROWS);
    const columns = Math.min(layer.inputs, NET_MAX_COLUMNS);
    const signal = signals?.[l];
    return {
      rows,
      columns,
      change: bin(layer.weights, initial[2 * l], layer.outputs, layer.inputs, rows, columns),
      activation: bin(layer.output, null, layer.outputs, 1, rows, 1),
      signal: signal ? bin(signal, null, layer.outputs, 1, rows, 1) : null,
    };
  });
  const inputs = Math.min(net.inputs, NET_MAX_COLUMNS);
  return { layers, input: bin(net.input, null, 1, net.inputs, 1, inputs) };
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'start':
      start(message);
      break;
    case 'speed':
      speed = message.speed;
      carry = 0;
      schedule(0);
      break;
    case 'pause':
      paused = message.paused;
      carry = 0;
      dirty = true;
      lastTick = performance.now();
      schedule(0);
      break;
    case 'step':
      if (sim && !sim.done) advance(1);
      dirty = true;
      schedule(0);
      break;
    case 'evaluate':
      if (sim && sim.phase === 'learning' && !sim.done) {
        sim.evaluateNow(1);
        dirty = true;
        lastTick = performance.now();
        schedule(0);
      }
      break;
    case 'export':
      if (sim) {
        const c = sim.config;
        scope.postMessage({
          type: 'export',
          request: message.request,
          summary: `${JSON.stringify(sim.summary(), null, 2)}\n`,
          log: sim.log.toCSV(),
          name: `${c.track.replace(/[^A-Za-z0-9_.-]+/g, '-')}-${c.rule}-seed${c.seed}`,
        });
      }
      break;
  }
};
