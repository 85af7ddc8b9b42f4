// The WebAssembly SIMD kernel of a network (AssemblyScript, compiled by `npm run build` through
// scripts/build-wasm.mjs into src/net/kernels/wasmModule.generated.ts).
//
// One instance per network, on the network's own memory, which src/net/kernels/memory.ts lays out:
// a header at HEADER (depth, byte offsets of the error and rate vectors and of the layer table),
// one row of LAYER_FIELDS i32 per layer (byte offsets of its arrays, sizes, activation, bias), and
// the float64 arrays themselves. The arithmetic is that of the TypeScript kernel, operation for
// operation, in the canonical summation order (src/net/kernels/js.ts), so both give the same bits:
// - forward sum of neuron j: two partial sums, p0 = b_j + w_j0 x_0 + w_j2 x_2 + … and
//   p1 = 0 + w_j1 x_1 + w_j3 x_3 + …, each added left to right (the two lanes of an f64x2), then
//   v_j = p0 + p1;
// - backward sums, out_j = 0 + M_0j t_0 + M_1j t_1 + … (rows with t_k = 0 skipped), left to right;
// - update, w_ji += (rate·t_j)·x_i, b_j += rate·t_j, rows with rate·t_j = 0 skipped.
// No fused multiply-add anywhere (WebAssembly has none outside relaxed SIMD). exp and tanh are the
// host's Math.exp and Math.tanh, imported, so that they give the bits the TypeScript kernel gets.

@external("env", "exp")
declare function hostExp(x: f64): f64;
@external("env", "tanh")
declare function hostTanh(x: f64): f64;

// Keep in step with src/net/kernels/memory.ts.
const HEADER: usize = 64;
const LAYER_FIELDS: usize = 16;
const F_WEIGHTS: usize = 0;
const F_BIAS: usize = 1;
const F_SUM: usize = 2;
const F_OUTPUT: usize = 3;
const F_INPUT: usize = 4;
const F_INPUTS: usize = 5;
const F_OUTPUTS: usize = 6;
const F_ACTIVATION: usize = 7;
const F_HAS_BIAS: usize = 8;
const F_DERIVATIVE: usize = 9;
const F_SIGNAL: usize = 10;
const F_BACKWARD: usize = 11;
const F_MATRIX: usize = 12;

const SIGMOID = 0;
const TANH = 1;
const RELU = 2;

@inline function depth(): i32 {
  return load<i32>(HEADER);
}
@inline function errorsAt(): usize {
  return <usize>load<i32>(HEADER + 4);
}
@inline function ratesAt(): usize {
  return <usize>load<i32>(HEADER + 8);
}
@inline function field(l: i32, f: usize): i32 {
  const table = <usize>load<i32>(HEADER + 12);
  return load<i32>(table + ((<usize>l * LAYER_FIELDS + f) << 2));
}
@inline function ptr(l: i32, f: usize): usize {
  return <usize>field(l, f);
}
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}
/** Math.sign: 1, -1, or the value itself (±0, NaN). */
@inline function sign(v: f64): f64 {
  return v > 0 ? 1.0 : v < 0 ? -1.0 : v;
}

/** v = W x + b for rows j0..j0+3 (four rows side by side, each in its canonical order). */
@inline function rows4(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const zero = f64x2.splat(0);
  const r0 = w + ((<usize>j * <usize>n) << 3);
  const r1 = r0 + (<usize>n << 3);
  const r2 = r1 + (<usize>n << 3);
  const r3 = r2 + (<usize>n << 3);
  let a0 = f64x2.replace_lane(zero, 0, load<f64>(at(b, j)));
  let a1 = f64x2.replace_lane(zero, 0, load<f64>(at(b, j + 1)));
  let a2 = f64x2.replace_lane(zero, 0, load<f64>(at(b, j + 2)));
  let a3 = f64x2.replace_lane(zero, 0, load<f64>(at(b, j + 3)));
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    const xi = v128.load(x + o);
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xi));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xi));
    a2 = f64x2.add(a2, f64x2.mul(v128.load(r2 + o), xi));
    a3 = f64x2.add(a3, f64x2.mul(v128.load(r3 + o), xi));
  }
  let s0 = f64x2.extract_lane(a0, 0);
  let s1 = f64x2.extract_lane(a1, 0);
  let s2 = f64x2.extract_lane(a2, 0);
  let s3 = f64x2.extract_lane(a3, 0);
  if (n & 1) {
    const xl = load<f64>(x + pairs);
    s0 += load<f64>(r0 + pairs) * xl;
    s1 += load<f64>(r1 + pairs) * xl;
    s2 += load<f64>(r2 + pairs) * xl;
    s3 += load<f64>(r3 + pairs) * xl;
  }
  store<f64>(at(v, j), s0 + f64x2.extract_lane(a0, 1));
  store<f64>(at(v, j + 1), s1 + f64x2.extract_lane(a1, 1));
  store<f64>(at(v, j + 2), s2 + f64x2.extract_lane(a2, 1));
  store<f64>(at(v, j + 3), s3 + f64x2.extract_lane(a3, 1));
}

/** v_j = W_j x + b_j for one row, in the canonical order. */
@inline function row1(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const r0 = w + ((<usize>j * <usize>n) << 3);
  let a0 = f64x2.replace_lane(f64x2.splat(0), 0, load<f64>(at(b, j)));
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), v128.load(x + o)));
  }
  let s0 = f64x2.extract_lane(a0, 0);
  if (n & 1) s0 += load<f64>(r0 + pairs) * load<f64>(x + pairs);
  store<f64>(at(v, j), s0 + f64x2.extract_lane(a0, 1));
}

function activate(code: i32, v: usize, y: usize, m: i32): void {
  if (code == SIGMOID) {
    for (let j = 0; j < m; j++) store<f64>(at(y, j), 1.0 / (1.0 + hostExp(-load<f64>(at(v, j)))) - 0.5);
  } else if (code == TANH) {
    for (let j = 0; j < m; j++) store<f64>(at(y, j), hostTanh(load<f64>(at(v, j))));
  } else if (code == RELU) {
    for (let j = 0; j < m; j++) store<f64>(at(y, j), max<f64>(load<f64>(at(v, j)), 0.0));
  } else {
    for (let j = 0; j < m; j++) store<f64>(at(y, j), load<f64>(at(v, j)));
  }
}

/** The forward pass of every layer: sums, then activations. */
export function forward(): void {
  const L = depth();
  for (let l = 0; l < L; l++) {
    const w = ptr(l, F_WEIGHTS);
    const b = ptr(l, F_BIAS);
    const x = ptr(l, F_INPUT);
    const v = ptr(l, F_SUM);
    const n = field(l, F_INPUTS);
    const m = field(l, F_OUTPUTS);
    let j = 0;
    for (; j + 3 < m; j += 4) rows4(w, b, x, v, n, j);
    for (; j < m; j++) row1(w, b, x, v, n, j);
    activate(field(l, F_ACTIVATION), v, ptr(l, F_OUTPUT), m);
  }
}

/** f'(v) of every neuron of every layer. */
export function derivatives(): void {
  const L = depth();
  for (let l = 0; l < L; l++) {
    const v = ptr(l, F_SUM);
    const y = ptr(l, F_OUTPUT);
    const d = ptr(l, F_DERIVATIVE);
    const m = field(l, F_OUTPUTS);
    const code = field(l, F_ACTIVATION);
    if (code == SIGMOID) {
      for (let j = 0; j < m; j++) {
        const s = load<f64>(at(y, j)) + 0.5;
        store<f64>(at(d, j), s * (1.0 - s));
      }
    } else if (code == TANH) {
      for (let j = 0; j < m; j++) {
        const o = load<f64>(at(y, j));
        store<f64>(at(d, j), 1.0 - o * o);
      }
    } else if (code == RELU) {
      for (let j = 0; j < m; j++) store<f64>(at(d, j), load<f64>(at(v, j)) > 0 ? 1.0 : 0.0);
    } else {
      for (let j = 0; j < m; j++) store<f64>(at(d, j), 1.0);
    }
  }
}

/**
 * Teaching signals top-down: t^L = e ⊙ f'(v^L), t^l = f'(v^l) ⊙ Mᵀ t^{l+1}, M the forward weights
 * of the layer above or (useMatrices) the matrix the rule keeps beside them; with signOnly every t is
 * replaced by its sign before it travels on.
 */
export function transport(signOnly: i32, useMatrices: i32): void {
  const last = depth() - 1;
  const errors = errorsAt();
  {
    const d = ptr(last, F_DERIVATIVE);
    const s = ptr(last, F_SIGNAL);
    const m = field(last, F_OUTPUTS);
    for (let j = 0; j < m; j++) {
      const t = load<f64>(at(errors, j)) * load<f64>(at(d, j));
      store<f64>(at(s, j), signOnly ? sign(t) : t);
    }
  }
  for (let l = last - 1; l >= 0; l--) {
    const matrix = useMatrices ? ptr(l + 1, F_MATRIX) : ptr(l + 1, F_WEIGHTS);
    const upper = field(l + 1, F_OUTPUTS);
    const lower = field(l, F_OUTPUTS);
    const next = ptr(l + 1, F_SIGNAL);
    const out = ptr(l, F_BACKWARD);
    for (let j = 0; j < lower; j++) store<f64>(at(out, j), 0.0);
    const pairs = <usize>(lower & ~1) << 3;
    const tail = <usize>(lower - 1) << 3;
    for (let k = 0; k < upper; k++) {
      const t = load<f64>(at(next, k));
      if (t == 0) continue;
      const tt = f64x2.splat(t);
      const row = matrix + ((<usize>k * <usize>lower) << 3);
      for (let o: usize = 0; o < pairs; o += 16) {
        v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(row + o), tt)));
      }
      if (lower & 1) store<f64>(out + tail, load<f64>(out + tail) + load<f64>(row + tail) * t);
    }
    const d = ptr(l, F_DERIVATIVE);
    const s = ptr(l, F_SIGNAL);
    for (let j = 0; j < lower; j++) {
      const t = load<f64>(at(d, j)) * load<f64>(at(out, j));
      store<f64>(at(s, j), signOnly ? sign(t) : t);
    }
  }
}

/** W^l += rates[l] · signal^l ⊗ x^{l-1}, b^l += rates[l] · signal^l, zero rows skipped. */
export function update(): void {
  const L = depth();
  const rates = ratesAt();
  for (let l = 0; l < L; l++) {
    const rate = load<f64>(at(rates, l));
    const w = ptr(l, F_WEIGHTS);
    const b = ptr(l, F_BIAS);
    const x = ptr(l, F_INPUT);
    const t = ptr(l, F_SIGNAL);
    const n = field(l, F_INPUTS);
    const m = field(l, F_OUTPUTS);
    const hasBias = field(l, F_HAS_BIAS);
    const pairs = <usize>(n & ~1) << 3;
    const quads = <usize>(n & ~3) << 3;
    for (let j = 0; j < m; j++) {
      const k = rate * load<f64>(at(t, j));
      if (k == 0) continue;
      const kk = f64x2.splat(k);
      const row = w + ((<usize>j * <usize>n) << 3);
      let o: usize = 0;
      for (; o < quads; o += 32) {
        const p = row + o;
        const q = x + o;
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(kk, v128.load(q))));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.mul(kk, v128.load(q, 16))), 16);
      }
      if (o < pairs) {
        v128.store(row + o, f64x2.add(v128.load(row + o), f64x2.mul(kk, v128.load(x + o))));
        o += 16;
      }
      if (n & 1) store<f64>(row + o, load<f64>(row + o) + k * load<f64>(x + o));
      if (hasBias) store<f64>(at(b, j), load<f64>(at(b, j)) + k);
    }
  }
}
