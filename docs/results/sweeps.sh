#!/usr/bin/env bash
# The third round of docs/results.md: SaR with the authors' rule (the sign of the exact δ, the
# default sign mode) over depth, learning rate and three tracks; the global-sign control beside it;
# and the authors' setting (--preset enki-2021 on their track). Every run keeps its learning curve.
# One folder per sweep in $OUT (default runs/results); each resumes where it stopped: run the script
# again after an interruption. Then: bash docs/results/pack.sh (compress into docs/results/data).
#
# Order: the sweeps the results need most come first (SaR with the authors' sign at depth
# 20: 220 runs; the global-sign control at depth 20: 220; the authors' setting, SaR, backprop, the
# global sign and blind predictors first: 1,120 runs over 4 conditions), then the rest of the matrix.
# Stopping after any sweep leaves complete folders.
#
# Size (DRY_RUN=1 prints each grid's size without running anything): 5,260 runs (4,060 in the default
# world, 1,200 in the authors' setting; 540 of them the latency task's controls), 7,020 with EXTRA=1. Time: measured per run of each kind
# (CPU, 4,000-step runs): 15–26 µs a step in the default world, 14–28 µs in the authors' setting
# (old preset), so at least 0.7 s for a default-world run that uses its whole 30,000 steps and 2.8 s
# for one of the authors' setting that uses its 100,000. The second round's records ran at about
# 1.6 times that on a shared machine (0.87 s a run on average). Estimate: about 2.4 worker-hours,
# about 1.2 hours with 2 workers on 2 free cores (at least 45 minutes); EXTRA=1 adds about 25 minutes.
# Measured: with EXTRA=1 AUTHORS_STEPS=30000 the whole script took about 20 minutes with 2 workers.
# The learning curves add about 1.3 kB per run to the compressed data.
#
# What stays from the second round (docs/results/data): the other four rules, SaR with the sign
# transported (`transport`, which its records name), the controls, the reflex alone, the camera and
# the relevance sweeps, whose records still reproduce bit for bit (after any change of a default,
# check: SARLAB_REPRODUCE_PER_FOLDER=1 npx vitest run test/resultsReproduce.test.ts). Retired (pack.sh removes them):
# enki-2021 (the preset was rebuilt, so those records no longer reproduce) and sign-gradient (SaR
# with the sign of the exact δ at depths 5 and 11, the same runs as sar-default below).
set -euo pipefail
OUT=${OUT:-runs/results}
WORKERS=${WORKERS:-2}
SARLAB=${SARLAB:-node bin/sarlab.js}
# 22 learning rates, 3 per decade from 1e-5 to 100 (the second round's grid).
RATES=log:0.00001:100:22
# The authors' setting: 3 per decade from 1e-6 to 0.1 (their η is 1e-5, scaled by their cue + 1).
AUTHORS_RATES=log:0.000001:0.1:16
COMMON=(--steps 30000 --seeds 1..10 --workers "$WORKERS" --no-progress)
# The authors' setting keeps its own step budget (100,000) unless AUTHORS_STEPS is set; the committed
# third round ran with AUTHORS_STEPS=30000, the budget of every other sweep.
AUTHORS=(--preset enki-2021 --tracks enki --seeds 1..10 --workers "$WORKERS" --no-progress)
if [ -n "${AUTHORS_STEPS:-}" ]; then AUTHORS+=(--steps "$AUTHORS_STEPS"); fi
DRY=()
if [ -n "${DRY_RUN:-}" ]; then DRY=(--dry-run); fi

sweep() {
  local name=$1
  shift
  echo "== $name"
  $SARLAB sweep "$@" "${DRY[@]}" --out "$OUT/$name"
}

# The reflex gain of the authors' setting (its baseline), and the gains around it for the reflex alone.
read -r AUTHORS_GAIN AUTHORS_GAINS < <(node -e "
  import('./dist/src/run/config.js').then(({ parseRunConfig }) => {
    const g = parseRunConfig({ preset: 'enki-2021' }).agent.reflexGain;
    const gains = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 8].map((f) => Number((g * f).toPrecision(3)));
    console.log(g, gains.join(' '));
  });")

# 1. The minimums first: SaR with the authors' sign (gradient, the default) and the global sign at depth 20.
sweep sar-depth-20 --rules sar --sign-mode gradient --learning-rates $RATES --depths 20 --tracks default "${COMMON[@]}"
sweep sign-global-depth-20 --rules sar --sign-mode global --learning-rates $RATES --depths 20 --tracks default "${COMMON[@]}"
# 2. The authors' setting: SaR and backprop, the global sign, then the controls (blind, at the
# reflex sensors) and the reflex alone at gains around theirs, judged against the reflex at theirs.
sweep authors-rules --rules sar,backprop --sign-mode gradient --learning-rates $AUTHORS_RATES "${AUTHORS[@]}"
sweep authors-global --rules sar --sign-mode global --learning-rates $AUTHORS_RATES "${AUTHORS[@]}"
sweep authors-blind --rules sar,backprop --sign-mode gradient --learning-rates $AUTHORS_RATES --predictors blind \
  "${AUTHORS[@]}"
sweep authors-at-reflex --rules sar,backprop --sign-mode gradient --learning-rates $AUTHORS_RATES \
  --predictors at-reflex "${AUTHORS[@]}"
for gain in $AUTHORS_GAINS; do
  sweep "authors-reflex-gain-$gain" --rules reflex --reflex-gain "$gain" --baseline-gain "$AUTHORS_GAIN" "${AUTHORS[@]}"
done
# 3. The rest of the matrix: SaR with the authors' sign at depths 2, 5, 11 on the default track, the
# global sign beside it, then both of SaR's matrix on the hard and the procedural track. SaR with
# the sign transported is in the second round's "rules" and "rules-procedural" (kept).
sweep sar-default --rules sar --sign-mode gradient --learning-rates $RATES --depths 2,5,11 --tracks default "${COMMON[@]}"
sweep sign-global-default --rules sar --sign-mode global --learning-rates $RATES --depths 2,5,11 --tracks default \
  "${COMMON[@]}"
sweep sar-hard-procedural --rules sar --sign-mode gradient --learning-rates $RATES --depths 2,5,11,20 \
  --tracks hard,procedural:1 "${COMMON[@]}"
# 4. The latency task's controls for SaR with the authors' sign (the second round ran them with the
# sign transported and with backprop): predictors at the reflex sensors and blind, over the rates, and
# whole-budget runs (learning on after success) with the predictors ahead and at the reflex sensors.
sweep controls-gradient-at-reflex --rules sar --sign-mode gradient --learning-rates $RATES --depths 5 --tracks default \
  --predictors at-reflex "${COMMON[@]}"
sweep controls-gradient-blind --rules sar --sign-mode gradient --learning-rates $RATES --depths 5 --tracks default \
  --predictors blind "${COMMON[@]}"
for predictors in ahead at-reflex; do
  sweep "whole-budget-gradient-$predictors" --rules sar --sign-mode gradient \
    --learning-rates 0.001,0.00464159,0.01,0.0215443,0.1 --depths 5 --tracks default --predictors "$predictors" \
    --after-success -1 "${COMMON[@]}"
done
# 5. With EXTRA=1: the global sign on the two other tracks too.
if [ -n "${EXTRA:-}" ]; then
  sweep sign-global-hard-procedural --rules sar --sign-mode global --learning-rates $RATES --depths 2,5,11,20 \
    --tracks hard,procedural:1 "${COMMON[@]}"
fi
echo "all sweeps done in $OUT"
