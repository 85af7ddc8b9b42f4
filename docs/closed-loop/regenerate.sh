#!/usr/bin/env bash
# Regenerates every table of docs/closed-loop.md from the commands that measure them (after
# `npm ci`; about 10 minutes on 2 cores). Each table is written as Markdown and as JSON (the rows
# with the full configuration), and docs/closed-loop.md quotes the Markdown.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/closed-loop
# Measured with SaR's sign `transport`, the default when these tables were made (docs/closed-loop.md,
# "Which sign"), and the rows that existed then.
sarlab() { node bin/sarlab.js "$@" --sign-mode transport; }

# The default task beside its controls.
sarlab controls --seeds 1..10 --only ahead,at-reflex,blind,reflex --out "$out/controls-rows.json" > "$out/controls-rows.md"
sarlab controls --seeds 1..10 --only ahead,at-reflex,blind,reflex --inputs camera --reflex-gains 15 --out "$out/controls-camera.json" \
  > "$out/controls-camera.md"

# The alternatives measured before choosing the defaults: SaR ahead and at-reflex.
alternative() {
  local name=$1
  shift
  sarlab controls --seeds 1..10 --only ahead,at-reflex "$@" --out "$out/alternative-$name.json" \
    > "$out/alternative-$name.md"
}
alternative lr0.01-gain10 --learning-rate 0.01 --net-gain 10
alternative lr0.005-gain10 --learning-rate 0.005 --net-gain 10
alternative lr0.003-gain10 --learning-rate 0.003 --net-gain 10
alternative lr0.005-gain5 --learning-rate 0.005 --net-gain 5
alternative lr0.05-gain10 --learning-rate 0.05 --net-gain 10

# Biases on (the integral controller of the review): blind and ahead.
sarlab controls --seeds 1..10 --only ahead,blind --bias --out "$out/bias.json" > "$out/bias.md"

# Other worlds: no latency, and two steps of latency (reflex alone at several gains, SaR ahead, at-reflex).
sarlab controls --seeds 1..5 --actuator-latency 0 --reflex-gains 5,15,25,40 --only ahead,at-reflex,reflex \
  --out "$out/world-latency0.json" > "$out/world-latency0.md"
sarlab controls --seeds 1..5 --actuator-latency 2 --reflex-gains 5,10,15 --only ahead,at-reflex,reflex \
  --out "$out/world-latency2.json" > "$out/world-latency2.md"
