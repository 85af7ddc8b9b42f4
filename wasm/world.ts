// The WebAssembly SIMD loops of the world (AssemblyScript, compiled by `npm run build` through
// scripts/build-wasm.mjs into src/backend/wasmModule.generated.ts), run when the world is built
// with the WebAssembly kernel (src/world/wasmSampler.ts lays out the memory, src/backend/wasm.ts gives it and calls them).
//
// They are the fast in-bounds loops of src/world/pointSet.ts and src/world/sensors.ts, expression for
// expression, so that they give the same bits:
// - a point's world position is wx = px + lx·c − ly·s, wy = py + lx·s + ly·c (c, s: the cosine and
//   sine of the heading, computed in JavaScript);
// - its pixel coordinates u = wx·(1/scale) − 0.5 (wx/scale − 0.5 when the scale is not a power of
//   two) and v = h − wy·(1/scale) − 0.5, u0 = trunc(u), fu = u − u0 (the same as `u | 0` for u ≥ 0);
// - the grey ((d00·(1 − fu) + d10·fu)·(1 − fv) + (d01·(1 − fu) + d11·fu)·fv), the texture's float32
//   values widened to float64 (exact; the copy here is float64);
// - a disc sensor's mean (0 + s0 + s1 + …)/n, added in the order of the samples;
// - a camera patch's darkness 1 − (0 + p0 + p1 + …)/count, rows top to bottom, each left to right.
// The two lanes of an f64x2 always compute two separate values (two points, or two sensors): no sum
// is split or reordered. No fused multiply-add (WebAssembly has none outside relaxed SIMD).
//
// The parameters of a call are float64 values at PARAMS: c, s, px, py, 1/scale (0 when not exact),
// scale, the texture height h. Everything else is a byte offset or a count.

const PARAMS: usize = 16;

/** The grey values of two points (lane 0, lane 1) at robot-frame coordinates lx, ly. */
@inline function sample2(
  lx: v128,
  ly: v128,
  c: v128,
  s: v128,
  px: v128,
  py: v128,
  inverse: f64,
  scale: v128,
  h: v128,
  half: v128,
  one: v128,
  texture: usize,
  w: i32,
  wf: v128,
  magic: v128,
): v128 {
  const wx = f64x2.sub(f64x2.add(px, f64x2.mul(lx, c)), f64x2.mul(ly, s));
  const wy = f64x2.add(f64x2.add(py, f64x2.mul(lx, s)), f64x2.mul(ly, c));
  let u: v128;
  let v: v128;
  if (inverse != 0) {
    const k = f64x2.splat(inverse);
    u = f64x2.sub(f64x2.mul(wx, k), half);
    v = f64x2.sub(f64x2.sub(h, f64x2.mul(wy, k)), half);
  } else {
    u = f64x2.sub(f64x2.div(wx, scale), half);
    v = f64x2.sub(f64x2.sub(h, f64x2.div(wy, scale)), half);
  }
  const u0 = f64x2.trunc(u);
  const v0 = f64x2.trunc(v);
  const fu = f64x2.sub(u, u0);
  const fv = f64x2.sub(v, v0);
  // The pixel index v0·w + u0 (exact in float64: integers far below 2^52); plus 2^52, its low 32 bits
  // are the integer itself.
  const index = f64x2.add(f64x2.add(f64x2.mul(v0, wf), u0), magic);
  const a = texture + (<usize>i32x4.extract_lane(index, 0) << 3);
  const b = texture + (<usize>i32x4.extract_lane(index, 2) << 3);
  const row = <usize>w << 3;
  // Each point's two neighbours in a row are adjacent: one 16-byte load (the texture is held as
  // float64 here, widened from its float32 values, which is exact).
  const topA = v128.load(a);
  const topB = v128.load(b);
  const bottomA = v128.load(a + row);
  const bottomB = v128.load(b + row);
  const d00 = v128.shuffle<f64>(topA, topB, 0, 2);
  const d10 = v128.shuffle<f64>(topA, topB, 1, 3);
  const d01 = v128.shuffle<f64>(bottomA, bottomB, 0, 2);
  const d11 = v128.shuffle<f64>(bottomA, bottomB, 1, 3);
  const gu = f64x2.sub(one, fu);
  const gv = f64x2.sub(one, fv);
  const top = f64x2.add(f64x2.mul(d00, gu), f64x2.mul(d10, fu));
  const bottom = f64x2.add(f64x2.mul(d01, gu), f64x2.mul(d11, fu));
  return f64x2.add(f64x2.mul(top, gv), f64x2.mul(bottom, fv));
}

/**
 * The grey value at `pairs` pairs of points, well inside the texture (`wellInside`): the x of the
 * points at `xs`, their y at `ys` (float64, two points per 16 bytes), the values to `out`.
 */
export function sampleInside(xs: usize, ys: usize, pairs: i32, texture: usize, w: i32, out: usize): void {
  const c = f64x2.splat(load<f64>(PARAMS));
  const s = f64x2.splat(load<f64>(PARAMS, 8));
  const px = f64x2.splat(load<f64>(PARAMS, 16));
  const py = f64x2.splat(load<f64>(PARAMS, 24));
  const inverse = load<f64>(PARAMS, 32);
  const scale = f64x2.splat(load<f64>(PARAMS, 40));
  const h = f64x2.splat(load<f64>(PARAMS, 48));
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1.0);
  const wf = f64x2.splat(<f64>w);
  const magic = f64x2.splat(4503599627370496.0);
  let j = 0;
  // Four points at a time: two independent pairs.
  for (; j + 1 < pairs; j += 2) {
    const o = <usize>j << 4;
    const r0 = sample2(v128.load(xs + o), v128.load(ys + o), c, s, px, py, inverse, scale, h, half, one, texture, w, wf, magic);
    const r1 = sample2(
      v128.load(xs + o + 16),
      v128.load(ys + o + 16),
      c,
      s,
      px,
      py,
      inverse,
      scale,
      h,
      half,
      one,
      texture,
      w,
      wf,
      magic,
    );
    v128.store(out + o, r0);
    v128.store(out + o + 16, r1);
  }
  for (; j < pairs; j++) {
    const o = <usize>j << 4;
    const r = sample2(v128.load(xs + o), v128.load(ys + o), c, s, px, py, inverse, scale, h, half, one, texture, w, wf, magic);
    v128.store(out + o, r);
  }
}

/**
 * The mean grey of `pairs` pairs of disc sensors of `n` points each, well inside the texture: sensors
 * 2q and 2q + 1 in the two lanes, their k-th points at xs, ys + (q·n + k)·16; the means to `out`.
 */
export function meansInside(xs: usize, ys: usize, pairs: i32, n: i32, texture: usize, w: i32, out: usize): void {
  const c = f64x2.splat(load<f64>(PARAMS));
  const s = f64x2.splat(load<f64>(PARAMS, 8));
  const px = f64x2.splat(load<f64>(PARAMS, 16));
  const py = f64x2.splat(load<f64>(PARAMS, 24));
  const inverse = load<f64>(PARAMS, 32);
  const scale = f64x2.splat(load<f64>(PARAMS, 40));
  const h = f64x2.splat(load<f64>(PARAMS, 48));
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1.0);
  const wf = f64x2.splat(<f64>w);
  const magic = f64x2.splat(4503599627370496.0);
  const count = f64x2.splat(<f64>n);
  const stride = <usize>n << 4;
  let o: usize = 0;
  let q = 0;
  // Two pairs of sensors at a time (two independent chains of sums, for the adder's latency).
  for (; q + 1 < pairs; q += 2) {
    let sum0 = f64x2.splat(0);
    let sum1 = f64x2.splat(0);
    for (let k = 0; k < n; k++) {
      const r0 = sample2(v128.load(xs + o), v128.load(ys + o), c, s, px, py, inverse, scale, h, half, one, texture, w, wf, magic);
      const r1 = sample2(
        v128.load(xs + o + stride),
        v128.load(ys + o + stride),
        c,
        s,
        px,
        py,
        inverse,
        scale,
        h,
        half,
        one,
        texture,
        w,
        wf,
        magic,
      );
      sum0 = f64x2.add(sum0, r0);
      sum1 = f64x2.add(sum1, r1);
      o += 16;
    }
    v128.store(out + (<usize>q << 4), f64x2.div(sum0, count));
    v128.store(out + (<usize>(q + 1) << 4), f64x2.div(sum1, count));
    o += stride;
  }
  for (; q < pairs; q++) {
    let sum = f64x2.splat(0);
    for (let k = 0; k < n; k++) {
      const r = sample2(v128.load(xs + o), v128.load(ys + o), c, s, px, py, inverse, scale, h, half, one, texture, w, wf, magic);
      sum = f64x2.add(sum, r);
      o += 16;
    }
    v128.store(out + (<usize>q << 4), f64x2.div(sum, count));
  }
}

/**
 * `GroundCamera.patchDarkness`: the mean darkness of a grid of `columns` × `rows` patches of the
 * image at `image` (`width` × `height`, row-major), near-to-far, each row left to right, to `out`.
 */
export function patchDarkness(image: usize, width: i32, height: i32, columns: i32, rows: i32, out: usize): void {
  for (let gr = 0; gr < rows; gr++) {
    const r1 = height - (gr * height) / rows;
    const r0 = height - ((gr + 1) * height) / rows;
    for (let gc = 0; gc < columns; gc++) {
      const c0 = (gc * width) / columns;
      const c1 = ((gc + 1) * width) / columns;
      let sum: f64 = 0;
      for (let r = r0; r < r1; r++) {
        const line = image + (<usize>(r * width) << 3);
        for (let col = c0; col < c1; col++) sum += load<f64>(line + (<usize>col << 3));
      }
      store<f64>(out + (<usize>(gr * columns + gc) << 3), 1 - sum / <f64>((r1 - r0) * (c1 - c0)));
    }
  }
}

/**
 * One step of `BandpassBank.filter` (src/filters/filterBank.ts): for every predictor p and filter k,
 * output i = p·K + k, w = (x_p − d1_k·w1_i) − d2_k·w2_i, w2_i = w1_i, w1_i = w, y_i = w / norm_k.
 * Two filters of one predictor side by side (every output is its own expression, so the order in
 * which they are computed changes nothing); an odd last filter alone.
 */
export function bandpass(
  input: usize,
  predictors: i32,
  k: i32,
  d1: usize,
  d2: usize,
  norm: usize,
  w1: usize,
  w2: usize,
  out: usize,
): void {
  const pairs = k >> 1;
  let i: usize = 0;
  for (let p = 0; p < predictors; p++) {
    const x = load<f64>(input + (<usize>p << 3));
    const xx = f64x2.splat(x);
    let f: usize = 0;
    for (let j = 0; j < pairs; j++) {
      const previous = v128.load(w1 + i);
      const w = f64x2.sub(
        f64x2.sub(xx, f64x2.mul(v128.load(d1 + f), previous)),
        f64x2.mul(v128.load(d2 + f), v128.load(w2 + i)),
      );
      v128.store(w2 + i, previous);
      v128.store(w1 + i, w);
      v128.store(out + i, f64x2.div(w, v128.load(norm + f)));
      i += 16;
      f += 16;
    }
    if (k & 1) {
      const previous = load<f64>(w1 + i);
      const w = x - load<f64>(d1 + f) * previous - load<f64>(d2 + f) * load<f64>(w2 + i);
      store<f64>(w2 + i, previous);
      store<f64>(w1 + i, w);
      store<f64>(out + i, w / load<f64>(norm + f));
      i += 8;
    }
  }
}
