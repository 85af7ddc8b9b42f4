// The network view: per layer, the weight change since the start as a heat map, the activations
// and the teaching signal of the last update (SaR's sign, backprop's δ). Drawn a few times a
// second from the binned samples the worker sends.
import type { NetworkSample, RunLayout } from './protocol.js';

const PAD = 4;
const GAP = 6;
const TOP = 13;
const BOTTOM = 12;

/** Red for positive, blue for negative, white for zero; v in [-1, 1]. */
function diverging(v: number, out: Uint8ClampedArray, o: number): void {
  const t = Math.max(-1, Math.min(1, v));
  if (t >= 0) {
    out[o] = 255;
    out[o + 1] = Math.round(255 * (1 - 0.85 * t));
    out[o + 2] = Math.round(255 * (1 - 0.85 * t));
  } else {
    out[o] = Math.round(255 * (1 + 0.85 * t));
    out[o + 1] = Math.round(255 * (1 + 0.6 * t));
    out[o + 2] = 255;
  }
  out[o + 3] = 255;
}

function colour(v: number): string {
  const px = new Uint8ClampedArray(4);
  diverging(v, px, 0);
  return `rgb(${px[0]},${px[1]},${px[2]})`;
}

function largest(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function short(value: number): string {
  if (value === 0) return '0';
  return value >= 0.01 && value < 100 ? value.toPrecision(2) : value.toExponential(0).replace('e', 'e');
}

/** What the last drawing showed, for tests and the hint: per layer, the largest |ΔW|, |a| and |signal|. */
export interface NetworkReading {
  change: number[];
  activation: number[];
  signal: (number | null)[];
}

export class NetworkView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly scratch = document.createElement('canvas');
  reading: NetworkReading | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly network: NonNullable<RunLayout['network']>,
    readonly rule: string,
  ) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** Redraws from a sample; sizes the canvas to its box first. */
  draw(sample: NetworkSample): void {
    const canvas = this.canvas;
    const width = Math.max(120, Math.round(canvas.clientWidth || 300));
    const height = Math.max(80, Math.round(canvas.clientHeight || 170));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = this.ctx;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    const layers = sample.layers;
    const n = layers.length;
    const block = (width - 2 * PAD - (n - 1) * GAP) / n;
    const strip = Math.max(3, Math.min(10, Math.floor(block * 0.12)));
    const heat = Math.max(2, block - 2 * strip - 4);
    const maxRows = Math.max(...layers.map((l) => l.rows));
    const inputStrip = 5;
    const area = height - TOP - BOTTOM - inputStrip - 2;
    const cell = area / maxRows;
    const labels = block >= 34;
    const sign = this.rule === 'sar';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    const reading: NetworkReading = { change: [], activation: [], signal: [] };
    const activationScale = (l: number, values: Float32Array) => {
      const f = this.network.activations[l];
      return f === 'sigmoid' ? 0.5 : f === 'tanh' ? 1 : Math.max(1e-12, largest(values));
    };
    for (let l = 0; l < n; l++) {
      const layer = layers[l];
      const x0 = PAD + l * (block + GAP);
      const y0 = TOP + inputStrip + 2;
      const h = layer.rows * cell;
      // The inputs of the first layer, as a strip above its heat map.
      if (l === 0) this.image(sample.input, 1, sample.input.length, 1, x0, TOP, heat, inputStrip);
      // The weight change since the start, scaled to this layer's largest change.
      const change = largest(layer.change);
      reading.change.push(change);
      this.image(layer.change, layer.rows, layer.columns, change, x0, y0, heat, h);
      // Activations and the teaching signal, one cell per neuron.
      const aScale = activationScale(l, layer.activation);
      reading.activation.push(largest(layer.activation));
      const signal = layer.signal;
      const sScale = signal ? (sign ? 1 : largest(signal)) : 0;
      reading.signal.push(signal ? largest(signal) : null);
      for (let j = 0; j < layer.rows; j++) {
        const y = y0 + j * cell;
        ctx.fillStyle = colour(layer.activation[j] / aScale);
        ctx.fillRect(x0 + heat + 2, y, strip, Math.max(1, cell - (cell > 4 ? 1 : 0)));
        ctx.fillStyle = signal ? colour(sScale > 0 ? signal[j] / sScale : 0) : '#e9ecef';
        ctx.fillRect(x0 + heat + 4 + strip, y, strip, Math.max(1, cell - (cell > 4 ? 1 : 0)));
      }
      ctx.strokeStyle = '#ced4da';
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 - 0.5, y0 - 0.5, heat + 1, h + 1);
      ctx.fillStyle = '#495057';
      const label = labels ? `L${l + 1} Δ${short(change)}` : String(l + 1);
      ctx.fillText(label, x0, 1, block);
      if (labels) {
        const bottom = height - BOTTOM + 1;
        const text = !signal ? 'frozen' : sign ? 's: sign' : `s ≤ ${short(sScale)}`;
        ctx.fillText(text, x0, bottom, block);
      }
    }
    this.reading = reading;
    canvas.dataset.change = reading.change.map((v) => v.toPrecision(3)).join(',');
    canvas.dataset.signal = reading.signal.map((v) => (v === null ? '-' : v.toPrecision(3))).join(',');
  }

  /** A rows × columns matrix as a heat map scaled to `scale`, stretched over the given box. */
  private image(
    values: Float32Array,
    rows: number,
    columns: number,
    scale: number,
    x: number,
    y: number,
    w: number,
    h: number,
  ): void {
    const s = this.scratch;
    if (s.width !== columns || s.height !== rows) {
      s.width = columns;
      s.height = rows;
    }
    const sctx = s.getContext('2d')!;
    const image = sctx.createImageData(columns, rows);
    const px = image.data;
    for (let i = 0; i < values.length; i++) diverging(scale > 0 ? values[i] / scale : 0, px, 4 * i);
    sctx.putImageData(image, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(s, 0, 0, columns, rows, x, y, w, h);
  }

  clear(): void {
    const { canvas, ctx } = this;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    this.reading = null;
  }
}
