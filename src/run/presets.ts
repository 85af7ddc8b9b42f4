/**
 * Named starting configurations. `preset: NAME` in a config (or `--preset NAME`) lays the file's
 * settings and the flags over these values. docs/authors-setting.md gives each value of `enki-2021`
 * with its source in the authors' code, and what still differs from their simulator.
 */
export const PRESET_NAMES = ['enki-2021'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The authors' own simulation: their Enki line follower (enkiSimulator `examples/line_follower/` at
 * commit 2f6c0cc, "significant learning") with their network library (CLDL at 62e897f), value by value:
 * their track (`enki`), their sensors (the `enki` sensor model, e = 50 · (L − R), 0 while neither error
 * sensor sees the line), 3 rows of 48 predictors, 5 bandpass filters, 10 × 10 + 2 centred sigmoids with
 * all-positive weights (the first layer's scaled by 1/1000: CLDL's weightBoost in effective form),
 * SaR with the exact δ's sign and their relevance η · (cue + 1), and their success criterion reported
 * beside sarlab's.
 */
export const PRESETS: Record<PresetName, Record<string, unknown>> = {
  'enki-2021': {
    steps: 100_000,
    track: 'enki',
    rule: 'sar',
    signMode: 'gradient',
    learningRate: 0.00001,
    relevance: 'authors-cue',
    world: {
      dt: 0.03,
      wheelBase: 5.2,
      inputs: 'rows',
      reflex: { ahead: 10, offset: 5, radius: 0.8, widePair: false },
      rows: { distances: [11, 12, 13], count: 48, spread: 11.75, radius: 1.15 },
      latency: 0,
      sensorNoise: 0,
      motorNoise: 0.05,
      lineWidth: 2.84,
      lostLineError: 'zero',
      sensorModel: 'enki',
      errorGain: 50,
    },
    agent: { speed: 30, reflexGain: 1, netGain: 5, outputWeights: [1, 2] },
    filters: { kind: 'bandpass', count: 5, minPeriod: 3, maxPeriod: 10, damping: 0.51 },
    network: {
      layers: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2],
      activation: 'sigmoid',
      init: 'positive',
      bias: false,
      layerInitScale: [0.001],
    },
    success: { authors: true },
  },
};
