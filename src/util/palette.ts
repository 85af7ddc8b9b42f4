/**
 * The one palette of sarlab: colours per learning rule and for what the figures mark, the same in
 * the command line's run plot, the sweep report and the live lab. It is the Okabe–Ito palette
 * (Okabe & Ito, "Color Universal Design", 2008), told apart with every common form of colour
 * blindness; lines that share a colour also differ in dash or place.
 */

/** The eight Okabe–Ito colours. */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
  bluishGreen: '#009e73',
  yellow: '#f0e442',
  blue: '#0072b2',
  vermillion: '#d55e00',
  reddishPurple: '#cc79a7',
} as const;

/** Colours per learning rule (and the reflex alone), the same everywhere. */
export const RULE_COLOURS: Readonly<Record<string, string>> = {
  sar: OKABE_ITO.blue,
  backprop: OKABE_ITO.vermillion,
  'feedback-alignment': OKABE_ITO.bluishGreen,
  'sign-symmetry': OKABE_ITO.reddishPurple,
  'global-error': OKABE_ITO.orange,
  reflex: '#999999',
};

/** Colours for series that are not rules, taken in turn. */
export const OTHER_COLOURS: readonly string[] = [
  OKABE_ITO.skyBlue,
  OKABE_ITO.orange,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.black,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.yellow,
];

/** Colours of what the figures mark. */
export const MARK_COLOURS = {
  /** The success threshold, the success step, a streak under the threshold, a verdict that holds. */
  success: OKABE_ITO.bluishGreen,
  /** A success since lost by a little (amber). */
  warning: OKABE_ITO.orange,
  /** A success since lost, worse than the reflex alone; a divergence. */
  failure: OKABE_ITO.vermillion,
  /** The reflex-alone baseline. */
  reflex: '#666666',
  /** Raw |e| behind its moving average. */
  raw: '#c8c8c8',
  /** The frozen evaluation lap. */
  frozen: OKABE_ITO.reddishPurple,
  /** Early and late in a run (trajectories, laps). */
  early: OKABE_ITO.orange,
  late: OKABE_ITO.blue,
} as const;

/** The colour of a rule, or of the n-th other series. */
export function ruleColour(rule: string, n = 0): string {
  return RULE_COLOURS[rule] ?? OTHER_COLOURS[n % OTHER_COLOURS.length];
}
