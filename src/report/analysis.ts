import { baselineGainOf, type RunConfig } from '../run/config.js';
import type { RunRecord } from '../sweep/store.js';
import { canonicalJson } from '../util/canonicalJson.js';
import {
  type Condition,
  type ConditionGroup,
  DEFAULT_RELEVANCE,
  DEFAULT_SIGN_MODE,
  groupByCondition,
  identityWithout,
} from './conditions.js';
import type { ReportRun } from './records.js';
import { bestCell, type CellStats, type Comparison, cellStats, compareRuns, lowestError } from './stats.js';

/** A condition with its statistics per learning rate and its best learning rate. */
export interface ConditionStats {
  condition: Condition;
  /** One per learning rate, ascending. */
  cells: CellStats[];
  best: CellStats;
  /** Learning rates at which at least half of the seeds succeeded. */
  workingRates: number;
  /** Records per learning rate. */
  records: Map<number, RunRecord[]>;
}

/** The predictors ahead against the controls, at the best learning rate of the network with the predictors ahead. */
export interface ControlsRow {
  /** The condition with the predictors ahead. */
  ahead: ConditionStats;
  /** The same network with the other predictors (at-reflex, blind), at the same learning rate. */
  controls: { condition: ConditionStats; cell: CellStats | undefined }[];
  /** The reflex alone on the same track and world, at its best gain. */
  reflex: { condition: ConditionStats; cell: CellStats } | undefined;
}

/** A family of conditions that differ in one setting, for a figure and a table. */
export interface Variation {
  /** `relevance`, `signMode`, `inputs` or `preset`. */
  field: 'relevance' | 'signMode' | 'inputs' | 'preset';
  title: string;
  conditions: ConditionStats[];
}

/** Everything the report shows, computed from the runs. */
export interface Analysis {
  conditions: ConditionStats[];
  /** The rules over depth and learning rate (SaR with each sign mode): predictors ahead, rows, default relevance, no preset. */
  main: ConditionStats[];
  /** The reflex alone, one condition per gain (and track). */
  reflex: ConditionStats[];
  /** Per track (and world): the reflex alone at its best gain. */
  bestReflex: Map<string, { condition: ConditionStats; cell: CellStats }>;
  controls: ControlsRow[];
  variations: Variation[];
  comparisons: Comparison[];
  budget: number[];
  thresholds: number[];
  /** Reflex-alone runs whose relative error was put on the networks' baseline (see `rebaseReflexRuns`). */
  rebasedReflex: { runs: number; gains: number[] };
}

function isMain(c: Condition): boolean {
  return (
    c.rule !== 'reflex' &&
    c.predictors === 'ahead' &&
    c.inputs === 'rows' &&
    c.relevance === DEFAULT_RELEVANCE &&
    (c.rule !== 'sar' || c.signMode === DEFAULT_SIGN_MODE) &&
    c.preset === '' &&
    Object.keys(c.extra).length === 0
  );
}

/**
 * The key that pairs a condition with the reflex alone in the same world: track, budget, the world
 * but its predictors (they do not move the robot), and the success settings but the baseline gain.
 */
export function reflexMatch(c: Condition): string {
  return worldKey(c.config);
}

function worldKey(config: RunConfig): string {
  const {
    inputs: _i,
    predictors: _p,
    rows: _r,
    camera: _c,
    ...world
  } = config.world as unknown as Record<string, unknown>;
  const { baselineGain: _g, ...success } = config.success;
  return canonicalJson({
    track: config.track,
    trackScale: config.trackScale,
    steps: config.steps,
    speed: config.agent.speed,
    world,
    success,
  });
}

/**
 * The reflex alone at another gain than the networks' is measured against a baseline at its own gain
 * unless its sweep set `success.baselineGain`: its recorded relative error is then about 1 whatever
 * the gain. Such runs are put on the networks' footing here: their mean |e| over the last window
 * divided by the baseline that the networks' runs recorded (the reflex at the networks' gain, same
 * track, world and seed). Returns the runs (rebased ones copied) and how many were rebased.
 */
export function rebaseReflexRuns(runs: ReportRun[]): { runs: ReportRun[]; rebased: number; gains: number[] } {
  const baselines = new Map<string, number>();
  const networkGains = new Map<string, number>();
  for (const { record } of runs) {
    const world = worldKey(record.config);
    if (record.reflexMeanAbsError !== null)
      baselines.set(`${world}|${record.seed}|${baselineGainOf(record.config)}`, record.reflexMeanAbsError);
    if (record.config.rule !== 'reflex') networkGains.set(world, baselineGainOf(record.config));
  }
  let rebased = 0;
  const gains = new Set<number>();
  const out = runs.map((run) => {
    const { record } = run;
    if (record.config.rule !== 'reflex') return run;
    const world = worldKey(record.config);
    const gain = networkGains.get(world);
    if (gain === undefined || gain === baselineGainOf(record.config)) return run;
    const baseline = baselines.get(`${world}|${record.seed}|${gain}`);
    if (baseline === undefined || !(baseline > 0)) return run;
    rebased++;
    gains.add(gain);
    // The run is now judged against the reflex at `gain`: its configuration says so, so that it
    // falls in the same condition as a run asked for with `--baseline-gain gain`.
    const config = { ...record.config, success: { ...record.config.success, baselineGain: gain } };
    return { ...run, record: { ...record, config, relativeError: record.meanAbsErrorLast / baseline } };
  });
  return { runs: out, rebased, gains: [...gains] };
}

function statsOf(group: ConditionGroup): ConditionStats {
  const records = new Map<number, RunRecord[]>();
  for (const run of group.runs) {
    const rate = run.record.config.learningRate;
    const list = records.get(rate);
    if (list) list.push(run.record);
    else records.set(rate, [run.record]);
  }
  const cells = [...records.entries()].sort((a, b) => a[0] - b[0]).map(([rate, rs]) => cellStats(rate, rs));
  return {
    condition: group.condition,
    cells,
    best: bestCell(cells) as CellStats,
    workingRates: cells.filter((c) => c.successes > 0 && c.successes * 2 >= c.runs).length,
    records,
  };
}

/** Order of rules in tables and legends. */
export const RULE_ORDER = [
  'sar',
  'backprop',
  'feedback-alignment',
  'sign-symmetry',
  'global-error',
  'reflex',
];

function sortConditions(list: ConditionStats[]): ConditionStats[] {
  const rank = (r: string) => (RULE_ORDER.includes(r) ? RULE_ORDER.indexOf(r) : RULE_ORDER.length);
  return [...list].sort((a, b) => {
    const x = a.condition;
    const y = b.condition;
    return (
      x.preset.localeCompare(y.preset) ||
      x.track.localeCompare(y.track) ||
      x.depth - y.depth ||
      rank(x.rule) - rank(y.rule) ||
      x.rule.localeCompare(y.rule) ||
      Number(x.signMode !== DEFAULT_SIGN_MODE) - Number(y.signMode !== DEFAULT_SIGN_MODE) ||
      x.signMode.localeCompare(y.signMode) ||
      x.reflexGain - y.reflexGain ||
      x.label.localeCompare(y.label)
    );
  });
}

/** Groups the runs into conditions and computes every table and comparison of the report. */
export function analyse(recorded: ReportRun[]): Analysis {
  const { runs, rebased, gains } = rebaseReflexRuns(recorded);
  const conditions = sortConditions(groupByCondition(runs).map(statsOf));
  const main = conditions.filter((c) => isMain(c.condition));
  const reflex = conditions.filter((c) => c.condition.rule === 'reflex');
  const bestReflex = new Map<string, { condition: ConditionStats; cell: CellStats }>();
  const reflexGroups = new Map<string, ConditionStats[]>();
  for (const r of reflex) {
    const key = reflexMatch(r.condition);
    reflexGroups.set(key, [...(reflexGroups.get(key) ?? []), r]);
  }
  for (const [key, list] of reflexGroups) {
    const best = lowestError(list.map((condition) => ({ condition, cell: condition.best })));
    if (best) bestReflex.set(key, best);
  }
  const controls = controlRows(conditions, bestReflex);
  const variations = findVariations(conditions);
  const comparisons = uniqueComparisons([
    ...compareWithin(conditions, 'rule', 'sar', (c) => c.rule !== 'reflex' && c.predictors === 'ahead'),
    ...controlComparisons(controls),
    // And each control at its own best learning rate: a control that works at another rate is
    // not beaten by comparing it at the rate that suits the predictors ahead.
    ...compareWithin(conditions, 'predictors', 'ahead', (c) => c.rule !== 'reflex'),
    ...compareWithin(conditions, 'signMode', DEFAULT_SIGN_MODE, (c) => c.rule === 'sar'),
    ...compareWithin(conditions, 'relevance', DEFAULT_RELEVANCE, (c) => c.rule === 'sar'),
    ...compareWithin(conditions, 'inputs', 'rows', (c) => c.rule !== 'reflex'),
  ]);
  return {
    conditions,
    main,
    reflex,
    bestReflex,
    controls,
    variations,
    comparisons,
    budget: [...new Set(conditions.map((c) => c.condition.budget))].sort((a, b) => a - b),
    thresholds: [...new Set(conditions.map((c) => c.condition.threshold))].sort((a, b) => a - b),
    rebasedReflex: { runs: rebased, gains },
  };
}

/** Drops a comparison made twice (a control whose own best rate is that of the predictors ahead). */
function uniqueComparisons(list: Comparison[]): Comparison[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = `${c.kind}|${c.a}|${c.learningRateA}|${c.b}|${c.learningRateB}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function controlRows(
  conditions: ConditionStats[],
  bestReflex: Map<string, { condition: ConditionStats; cell: CellStats }>,
): ControlsRow[] {
  const rows: ControlsRow[] = [];
  for (const ahead of conditions) {
    if (ahead.condition.predictors !== 'ahead' || ahead.condition.rule === 'reflex') continue;
    const id = identityWithout(ahead.condition, ['predictors']);
    const controls = conditions
      .filter((c) => c !== ahead && identityWithout(c.condition, ['predictors']) === id)
      .map((condition) => ({
        condition,
        cell: condition.cells.find((x) => x.learningRate === ahead.best.learningRate),
      }));
    if (controls.length === 0) continue;
    rows.push({ ahead, controls, reflex: bestReflex.get(reflexMatch(ahead.condition)) });
  }
  return rows;
}

function controlComparisons(rows: ControlsRow[]): Comparison[] {
  const out: Comparison[] = [];
  for (const row of rows) {
    const rate = row.ahead.best.learningRate;
    const mine = row.ahead.records.get(rate) ?? [];
    for (const control of row.controls) {
      const theirs = control.condition.records.get(rate);
      if (!theirs) continue;
      out.push(
        compareRuns(
          'predictors',
          row.ahead.condition.label,
          { learningRate: rate, records: mine },
          control.condition.condition.label,
          { learningRate: rate, records: theirs },
        ),
      );
    }
  }
  return out;
}

/**
 * Pairs conditions that differ only in `field`: the one with the `reference` value against each other
 * one, each at its own best learning rate.
 */
function compareWithin(
  conditions: ConditionStats[],
  field: 'rule' | 'signMode' | 'relevance' | 'inputs' | 'predictors',
  reference: string,
  include: (c: Condition) => boolean,
): Comparison[] {
  const out: Comparison[] = [];
  const candidates = conditions.filter((c) => include(c.condition));
  for (const ref of candidates.filter((c) => c.condition[field] === reference)) {
    const id = identityWithout(ref.condition, [field]);
    for (const other of candidates) {
      if (other.condition[field] === reference || identityWithout(other.condition, [field]) !== id) continue;
      const at = (c: ConditionStats) => ({
        learningRate: c.best.learningRate,
        records: c.records.get(c.best.learningRate) ?? [],
      });
      out.push(compareRuns(field, ref.condition.label, at(ref), other.condition.label, at(other)));
    }
  }
  return out;
}

function findVariations(conditions: ConditionStats[]): Variation[] {
  const out: Variation[] = [];
  const family = (
    field: Variation['field'],
    title: string,
    include: (c: Condition) => boolean,
    fields: (keyof Condition)[],
  ) => {
    const chosen = conditions.filter((c) => include(c.condition));
    // Keep the families of conditions that differ only in `field` and have more than one value of it.
    const byId = new Map<string, ConditionStats[]>();
    for (const c of chosen) {
      const id = identityWithout(c.condition, fields);
      byId.set(id, [...(byId.get(id) ?? []), c]);
    }
    const kept = [...byId.values()]
      .filter((list) => new Set(list.map((c) => c.condition[field])).size > 1)
      .flat();
    if (kept.length > 0) out.push({ field, title, conditions: kept });
  };
  const plain = (c: Condition) => c.rule !== 'reflex' && Object.keys(c.extra).length === 0;
  family(
    'relevance',
    'Relevance (SaR)',
    (c) =>
      plain(c) &&
      c.rule === 'sar' &&
      c.predictors === 'ahead' &&
      c.inputs === 'rows' &&
      c.signMode === DEFAULT_SIGN_MODE &&
      !c.preset,
    ['relevance'],
  );
  family(
    'signMode',
    'What the sign carries (SaR sign mode)',
    (c) =>
      plain(c) &&
      c.rule === 'sar' &&
      c.predictors === 'ahead' &&
      c.inputs === 'rows' &&
      c.relevance === DEFAULT_RELEVANCE &&
      !c.preset,
    ['signMode'],
  );
  family(
    'inputs',
    'Rows against the camera',
    (c) =>
      plain(c) &&
      c.predictors === 'ahead' &&
      c.relevance === DEFAULT_RELEVANCE &&
      (c.rule !== 'sar' || c.signMode === DEFAULT_SIGN_MODE) &&
      !c.preset,
    ['inputs'],
  );
  const presets = conditions.filter((c) => c.condition.preset !== '' && c.condition.rule !== 'reflex');
  if (presets.length > 0) out.push({ field: 'preset', title: 'Presets', conditions: presets });
  return out;
}
