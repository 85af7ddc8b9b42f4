// The WebAssembly SIMD kernel of a network (AssemblyScript, compiled by `npm run build` through
// scripts/build-wasm.mjs into src/backend/wasmModule.generated.ts).
//
// One instance per network, on the network's own memory, which src/backend/memory.ts lays out:
// a header at HEADER (depth, byte offsets of the error and rate vectors and of the layer table),
// one row of LAYER_FIELDS i32 per layer (byte offsets of its arrays, sizes, activation, bias), and
// the float64 arrays themselves. The arithmetic is that of the TypeScript kernel, operation for
// operation, in the canonical summation order (src/backend/js.ts), so both give the same bits:
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

// Keep in step with src/backend/memory.ts.
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

// The forward sums of a block of rows side by side: each row's sum is one chain of f64x2 additions
// (its two canonical partial sums in the two lanes), so B rows give B independent chains, which keep
// the adders busy, and each pair of inputs is loaded once for B rows. Blocks of 5 rows (the widths of
// the reference net are multiples of 5), then 4, 2 and 1.

@inline function rowStart(w: usize, n: i32, j: i32): usize {
  return w + ((<usize>j * <usize>n) << 3);
}
@inline function lane0(b: usize, j: i32): v128 {
  return f64x2.replace_lane(f64x2.splat(0), 0, load<f64>(at(b, j)));
}
/** p0 (+ the last input when n is odd) + p1, stored as v_j. */
@inline function finish(acc: v128, r: usize, x: usize, pairs: usize, odd: bool, v: usize, j: i32): void {
  let s0 = f64x2.extract_lane(acc, 0);
  if (odd) s0 += load<f64>(r + pairs) * load<f64>(x + pairs);
  store<f64>(at(v, j), s0 + f64x2.extract_lane(acc, 1));
}

@inline function rows5(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const r0 = rowStart(w, n, j);
  const r1 = rowStart(w, n, j + 1);
  const r2 = rowStart(w, n, j + 2);
  const r3 = rowStart(w, n, j + 3);
  const r4 = rowStart(w, n, j + 4);
  let a0 = lane0(b, j);
  let a1 = lane0(b, j + 1);
  let a2 = lane0(b, j + 2);
  let a3 = lane0(b, j + 3);
  let a4 = lane0(b, j + 4);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    const xi = v128.load(x + o);
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xi));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xi));
    a2 = f64x2.add(a2, f64x2.mul(v128.load(r2 + o), xi));
    a3 = f64x2.add(a3, f64x2.mul(v128.load(r3 + o), xi));
    a4 = f64x2.add(a4, f64x2.mul(v128.load(r4 + o), xi));
  }
  const odd = (n & 1) != 0;
  finish(a0, r0, x, pairs, odd, v, j);
  finish(a1, r1, x, pairs, odd, v, j + 1);
  finish(a2, r2, x, pairs, odd, v, j + 2);
  finish(a3, r3, x, pairs, odd, v, j + 3);
  finish(a4, r4, x, pairs, odd, v, j + 4);
}

@inline function rows4(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const r0 = rowStart(w, n, j);
  const r1 = rowStart(w, n, j + 1);
  const r2 = rowStart(w, n, j + 2);
  const r3 = rowStart(w, n, j + 3);
  let a0 = lane0(b, j);
  let a1 = lane0(b, j + 1);
  let a2 = lane0(b, j + 2);
  let a3 = lane0(b, j + 3);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    const xi = v128.load(x + o);
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xi));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xi));
    a2 = f64x2.add(a2, f64x2.mul(v128.load(r2 + o), xi));
    a3 = f64x2.add(a3, f64x2.mul(v128.load(r3 + o), xi));
  }
  const odd = (n & 1) != 0;
  finish(a0, r0, x, pairs, odd, v, j);
  finish(a1, r1, x, pairs, odd, v, j + 1);
  finish(a2, r2, x, pairs, odd, v, j + 2);
  finish(a3, r3, x, pairs, odd, v, j + 3);
}

@inline function rows2(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const r0 = rowStart(w, n, j);
  const r1 = rowStart(w, n, j + 1);
  let a0 = lane0(b, j);
  let a1 = lane0(b, j + 1);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    const xi = v128.load(x + o);
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xi));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xi));
  }
  const odd = (n & 1) != 0;
  finish(a0, r0, x, pairs, odd, v, j);
  finish(a1, r1, x, pairs, odd, v, j + 1);
}

@inline function row1(w: usize, b: usize, x: usize, v: usize, n: i32, j: i32): void {
  const r0 = rowStart(w, n, j);
  let a0 = lane0(b, j);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), v128.load(x + o)));
  }
  finish(a0, r0, x, pairs, (n & 1) != 0, v, j);
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
    for (; m - j >= 5 && m - j != 8; j += 5) rows5(w, b, x, v, n, j);
    for (; m - j >= 4; j += 4) rows4(w, b, x, v, n, j);
    for (; m - j >= 2; j += 2) rows2(w, b, x, v, n, j);
    if (j < m) row1(w, b, x, v, n, j);
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

/** row += k · x over n inputs (pairs, then the odd last one). */
@inline function axpy(row: usize, x: usize, k: f64, n: i32): void {
  const kk = f64x2.splat(k);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    v128.store(row + o, f64x2.add(v128.load(row + o), f64x2.mul(kk, v128.load(x + o))));
  }
  if (n & 1) store<f64>(row + pairs, load<f64>(row + pairs) + k * load<f64>(x + pairs));
}

/** Two rows += k0 · x and k1 · x, each x pair loaded once. */
@inline function axpy2(r0: usize, r1: usize, x: usize, k0: f64, k1: f64, n: i32): void {
  const c0 = f64x2.splat(k0);
  const c1 = f64x2.splat(k1);
  const pairs = <usize>(n & ~1) << 3;
  for (let o: usize = 0; o < pairs; o += 16) {
    const xi = v128.load(x + o);
    v128.store(r0 + o, f64x2.add(v128.load(r0 + o), f64x2.mul(c0, xi)));
    v128.store(r1 + o, f64x2.add(v128.load(r1 + o), f64x2.mul(c1, xi)));
  }
  if (n & 1) {
    const xl = load<f64>(x + pairs);
    store<f64>(r0 + pairs, load<f64>(r0 + pairs) + k0 * xl);
    store<f64>(r1 + pairs, load<f64>(r1 + pairs) + k1 * xl);
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
    let j = 0;
    for (; j + 1 < m; j += 2) {
      const k0 = rate * load<f64>(at(t, j));
      const k1 = rate * load<f64>(at(t, j + 1));
      const r0 = rowStart(w, n, j);
      if (k0 != 0 && k1 != 0) axpy2(r0, rowStart(w, n, j + 1), x, k0, k1, n);
      else if (k0 != 0) axpy(r0, x, k0, n);
      else if (k1 != 0) axpy(rowStart(w, n, j + 1), x, k1, n);
      if (hasBias) {
        if (k0 != 0) store<f64>(at(b, j), load<f64>(at(b, j)) + k0);
        if (k1 != 0) store<f64>(at(b, j + 1), load<f64>(at(b, j + 1)) + k1);
      }
    }
    if (j < m) {
      const k = rate * load<f64>(at(t, j));
      if (k != 0) {
        axpy(rowStart(w, n, j), x, k, n);
        if (hasBias) store<f64>(at(b, j), load<f64>(at(b, j)) + k);
      }
    }
  }
}
