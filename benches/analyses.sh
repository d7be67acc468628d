#!/bin/sh
# Times the issue's speed targets on the default scenario at 10,000 runs: `kloof stress` with
# the ten shocks of scenarios/stress/zoetermeer.yaml, and `kloof sensitivity` on the care gap.
# Target: each within a minute on 2 cores. Run from the checkout after `cargo build --release`:
#   sh benches/analyses.sh
set -e
kloof=./target/release/kloof
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() {
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    awk "BEGIN { printf \"%.1f\", $end - $start }"
}
echo "stress, 10 shocks + base, 10,000 runs: $(seconds $kloof stress scenarios/zoetermeer.yaml --set scenarios/stress/zoetermeer.yaml --runs 10000 --quiet --out "$out/stress") s"
echo "sensitivity of gap.fte, 10,000 runs:    $(seconds $kloof sensitivity scenarios/zoetermeer.yaml --metric gap.fte --runs 10000 --quiet --out "$out/sensitivity") s"
