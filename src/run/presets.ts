/**
 * Named starting configurations. `preset: NAME` in a config (or `--preset NAME`) lays the file's
 * settings and the flags over these values. docs/configuration.md lists what each value
 * reproduces and where our world differs.
 */
export const PRESET_NAMES = ['enki-2021'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The authors' own simulation (their Enki line follower, 2021; SPEC §7), mapped onto our world.
 * Their error e = (L − R)·50 with readings in [0.5, 0.73] spans ±11.5 for our e = gL − gR in ±1,
 * so their motor law 30 ± (e + 5·(y0 + 2·y1)) becomes reflex gain 11.5, network gain 5 and output
 * weights 1 and 2.
 */
export const PRESETS: Record<PresetName, Record<string, unknown>> = {
  'enki-2021': {
    steps: 100_000,
    learningRate: 0.01,
    world: {
      dt: 0.03,
      wheelBase: 5.2,
      inputs: 'rows',
      reflex: { ahead: 10, offset: 5, radius: 1.5, widePair: false },
      rows: { distances: [11, 12, 13], count: 48, spread: 11.75, radius: 0.3 },
      latency: 0,
      motorNoise: 0.05,
      lineWidth: 8,
    },
    agent: { speed: 30, reflexGain: 11.5, netGain: 5, outputWeights: [1, 2] },
    filters: { kind: 'bandpass', count: 5, minPeriod: 3, maxPeriod: 10, damping: 0.51 },
    network: {
      layers: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2],
      activation: 'sigmoid',
      init: 'positive',
      bias: false,
    },
  },
};
