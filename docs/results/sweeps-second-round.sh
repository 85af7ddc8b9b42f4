#!/usr/bin/env bash
# The second round of docs/results.md, as it was run: the sweeps whose folders docs/results/data keeps
# (the third round, docs/results/sweeps.sh, adds to them and retires enki-2021 and sign-gradient).
# Their records name every setting, so `sarlab run --config` repeats any of them; these commands are
# kept to say how the grids were made. SaR's default sign mode was `transport` then: to make the same
# runs again, give SaR and reflex sweeps `--sign-mode transport` (every record names its sign mode; the
# reflex folders were re-recorded so, identical but for the fields added since: docs/results/compare.mjs).
# Each sweep resumes where it stopped: run the script again after an interruption.
# About 1.5 to 2 hours on 2 cores. Then: bash docs/results/pack.sh (compress into docs/results/data).
set -euo pipefail
OUT=${OUT:-runs/results}
WORKERS=${WORKERS:-2}
SARLAB=${SARLAB:-node bin/sarlab.js}
RULES=sar,backprop,feedback-alignment,sign-symmetry,global-error
# 22 learning rates, 3 per decade from 1e-5 to 100: every rule fails at both ends (docs/results.md).
RATES=log:0.00001:100:22
# The same values from 1e-5 to 1 (16) and from 1e-4 to 10 (16), where that is wide enough.
RATES_LOW=log:0.00001:1:16
RATES_MID=log:0.0001:10:16
COMMON=(--steps 30000 --seeds 1..10 --workers "$WORKERS" --no-progress)

sweep() { local name=$1; shift; echo "== $name"; $SARLAB sweep "$@" "${COMMON[@]}" --out "$OUT/$name"; }

# Question 2: five rules over depth and learning rate, two tracks.
sweep rules --rules $RULES --learning-rates $RATES --depths 2,5,11,20 --tracks default,hard
# ... and a third track, a procedural one on which (unlike hard) the reflex alone fails at every gain.
sweep rules-procedural --rules $RULES --learning-rates $RATES --depths 2,5,11,20 --tracks procedural:1
# Feedback alignment at depth 20 still succeeds at η = 100: the same grid carried on (3 per decade)
# until it fails there too.
sweep rules-high --rules feedback-alignment --learning-rates 215.443,464.159,1000,2154.43 --depths 20 \
  --tracks default,hard,procedural:1
# Question 1: the controls, at the default depth (5): predictors without look-ahead, and none.
sweep controls-at-reflex --rules sar,backprop --learning-rates $RATES --depths 5 --tracks default --predictors at-reflex
sweep controls-blind --rules sar,backprop --learning-rates $RATES --depths 5 --tracks default --predictors blind
# ... and the same networks learning for the whole budget (not stopping 2000 steps after success), at
# the learning rates where the ahead or the at-reflex networks do best: does what was learned last?
for predictors in ahead at-reflex; do
  sweep "whole-budget-$predictors" --rules sar,backprop --learning-rates 0.001,0.00464159,0.01,0.1 --depths 5 \
    --tracks default --predictors "$predictors" --after-success -1
done
# ... and the reflex alone, at every gain, judged against the reflex at the default gain (5) like every run.
for gain in 1 2 3 5 7 10 12 13 14 15 16 17 18 20 25 40; do
  sweep "reflex-gain-$gain" --rules reflex --tracks default,hard --reflex-gain "$gain" --baseline-gain 5
  sweep "reflex-procedural-gain-$gain" --rules reflex --tracks procedural:1 --reflex-gain "$gain" --baseline-gain 5
done
# Question 5: the authors' network.
sweep enki-2021 --preset enki-2021 --rules sar,backprop --learning-rates $RATES_MID --tracks default
# Question 6: the camera against the rows, depth 5.
sweep inputs-camera --rules $RULES --learning-rates $RATES --depths 5 --tracks default --inputs camera
# Question 3: what the sign carries (transport is in "rules").
sweep sign-gradient --rules sar --learning-rates $RATES_LOW --depths 5,11 --tracks default --sign-mode gradient
# Question 4: relevance (abs-error is in "rules").
sweep relevance --rules sar --learning-rates $RATES --depths 5,11 --tracks default --relevance 'constant,cue,abs-error*cue'
echo "all sweeps done in $OUT"
