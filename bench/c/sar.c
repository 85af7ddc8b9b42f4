/*
 * The C baseline of the benchmark: one SaR step (learn + forward) on the reference net of the
 * specification (720 inputs; layers 10,10,10,10,10,10,10,10,10,10,2; centred sigmoid), written as
 * plain loops doing exactly the arithmetic of the TypeScript and WebAssembly kernels, in the same
 * (canonical) order: each forward sum as two partial sums, the even and the odd inputs, each left to
 * right, then added. With -DSEQUENTIAL_SUMS, each forward sum is one strictly left-to-right sum, the
 * order of the TypeScript implementation before the canonical order was introduced.
 *
 *   sar WEIGHTS STEPS_PER_SAMPLE SAMPLES [FINAL_WEIGHTS]
 *
 * WEIGHTS: little-endian float64, for every layer its row-major weights then its biases (the
 * benchmark writes the TypeScript network's initial weights there). The input is fixed,
 * x_i = (i mod 7) / 8, and the error of step t is ((t mod 200) - 100) / 400 on both outputs, as in
 * the TypeScript benchmark; the initial weights are put back every 50,000 steps, as there (so that
 * long runs never drift into saturation, where steps get cheaper). Prints one JSON object: the
 * steps/s of every sample. With
 * FINAL_WEIGHTS, first runs STEPS_PER_SAMPLE steps from the initial weights and writes the result
 * there (so that the benchmark can check that both implementations compute the same thing).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INPUTS 720
#define DEPTH 11
static const int WIDTH[DEPTH] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2};
static const double RATE = 0.001;

static double *weights[DEPTH], *bias[DEPTH], *sum[DEPTH], *out[DEPTH], *deriv[DEPTH], *sig[DEPTH],
    *back[DEPTH];
static const double *in[DEPTH];
static int fanin[DEPTH];
static double input[INPUTS];
static double initial[INPUTS * 10 * 2 + 4096];

static double sgn(double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : v; }

static void forward(void) {
  for (int l = 0; l < DEPTH; l++) {
    const int n = fanin[l], m = WIDTH[l];
    const double *w = weights[l], *x = in[l];
    for (int j = 0; j < m; j++) {
#ifdef SEQUENTIAL_SUMS
      /* The order before the canonical one: one sum, strictly left to right. */
      double s = bias[l][j];
      for (int i = 0; i < n; i++) s += w[j * n + i] * x[i];
#else
      /* The canonical order: the even and the odd inputs in two partial sums, then their sum. */
      double even = bias[l][j], odd = 0;
      int i = 0;
      for (; i + 1 < n; i += 2) {
        even += w[j * n + i] * x[i];
        odd += w[j * n + i + 1] * x[i + 1];
      }
      if (i < n) even += w[j * n + i] * x[i];
      const double s = even + odd;
#endif
      sum[l][j] = s;
      out[l][j] = 1.0 / (1.0 + exp(-s)) - 0.5;
    }
  }
}

static void learn(double e) {
  const int last = DEPTH - 1;
  for (int l = 0; l < DEPTH; l++)
    for (int j = 0; j < WIDTH[l]; j++) {
      const double s = out[l][j] + 0.5;
      deriv[l][j] = s * (1 - s);
    }
  /* relevance: mean |e_j| over the outputs */
  double abs = 0;
  for (int j = 0; j < WIDTH[last]; j++) abs += fabs(e);
  const double relevance = abs / WIDTH[last];
  for (int j = 0; j < WIDTH[last]; j++) sig[last][j] = sgn(e * deriv[last][j]);
  for (int l = last - 1; l >= 0; l--) {
    const int upper = WIDTH[l + 1], lower = WIDTH[l];
    const double *w = weights[l + 1], *t = sig[l + 1];
    double *b = back[l];
    for (int j = 0; j < lower; j++) b[j] = 0;
    for (int k = 0; k < upper; k++) {
      if (t[k] == 0) continue;
      for (int j = 0; j < lower; j++) b[j] += w[k * lower + j] * t[k];
    }
    for (int j = 0; j < lower; j++) sig[l][j] = sgn(deriv[l][j] * b[j]);
  }
  const double rate = RATE * relevance;
  if (rate == 0) return;
  for (int l = 0; l < DEPTH; l++) {
    const int n = fanin[l], m = WIDTH[l];
    double *w = weights[l];
    const double *x = in[l];
    for (int j = 0; j < m; j++) {
      const double k = rate * sig[l][j];
      if (k == 0) continue;
      for (int i = 0; i < n; i++) w[j * n + i] += k * x[i];
      bias[l][j] += k;
    }
  }
}

static void load(const double *flat) {
  size_t o = 0;
  for (int l = 0; l < DEPTH; l++) {
    memcpy(weights[l], flat + o, sizeof(double) * fanin[l] * WIDTH[l]);
    o += (size_t)fanin[l] * WIDTH[l];
    memcpy(bias[l], flat + o, sizeof(double) * WIDTH[l]);
    o += WIDTH[l];
  }
}

/* As the TypeScript benchmark: the initial weights are put back every RESET_EVERY steps. */
#define RESET_EVERY 50000

static void run(long steps, long *t) {
  for (long k = 0; k < steps; k++, (*t)++) {
    if (*t > 0 && *t % RESET_EVERY == 0) {
      load(initial);
      forward();
    }
    learn((double)((*t % 200) - 100) / 400.0);
    forward();
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sar WEIGHTS STEPS_PER_SAMPLE SAMPLES [FINAL_WEIGHTS]\n");
    return 2;
  }
  size_t total = 0;
  for (int l = 0; l < DEPTH; l++) {
    fanin[l] = l == 0 ? INPUTS : WIDTH[l - 1];
    weights[l] = calloc((size_t)fanin[l] * WIDTH[l], sizeof(double));
    bias[l] = calloc(WIDTH[l], sizeof(double));
    sum[l] = calloc(WIDTH[l], sizeof(double));
    out[l] = calloc(WIDTH[l], sizeof(double));
    deriv[l] = calloc(WIDTH[l], sizeof(double));
    sig[l] = calloc(WIDTH[l], sizeof(double));
    back[l] = calloc(WIDTH[l], sizeof(double));
    in[l] = l == 0 ? input : out[l - 1];
    total += (size_t)fanin[l] * WIDTH[l] + WIDTH[l];
  }
  for (int i = 0; i < INPUTS; i++) input[i] = (double)(i % 7) / 8.0;
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(initial, sizeof(double), total, f) != total) {
    fprintf(stderr, "cannot read %zu weights from %s\n", total, argv[1]);
    return 1;
  }
  fclose(f);
  const long steps = atol(argv[2]);
  const int samples = atoi(argv[3]);
  long t = 0;
  load(initial);
  forward();
  if (argc > 4) {
    run(steps, &t);
    FILE *g = fopen(argv[4], "wb");
    for (int l = 0; l < DEPTH; l++) {
      fwrite(weights[l], sizeof(double), (size_t)fanin[l] * WIDTH[l], g);
      fwrite(bias[l], sizeof(double), WIDTH[l], g);
    }
    fclose(g);
  }
  run(steps / 4, &t); /* warm-up */
  printf("{\"stepsPerSec\":[");
  for (int s = 0; s < samples; s++) {
    const double t0 = now();
    run(steps, &t);
    const double dt = now() - t0;
    printf("%s%.1f", s ? "," : "", steps / dt);
  }
  double check = 0;
  for (int l = 0; l < DEPTH; l++)
    for (int k = 0; k < fanin[l] * WIDTH[l]; k++) check += weights[l][k];
  printf("],\"checksum\":%.17g}\n", check);
  return 0;
}
