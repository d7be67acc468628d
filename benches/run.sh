#!/bin/sh
# End-to-end speed of `kloof run` on the default scenario (Zoetermeer, 2024-2030: 7 simulated
# years) at 10^4, 10^5 and 10^6 runs, and of `kloof stress` with its stress set at 10^4 runs:
# wall time, run-years per second (runs x years / wall seconds) and peak memory (maximum
# resident set, from /usr/bin/time). Run from the checkout after `cargo build --release`:
#   sh benches/run.sh                      # this checkout's build
#   sh benches/run.sh path/to/other/kloof  # another build, e.g. an older main, to compare
# Per-run results beyond kloof's memory budget wait on disk (KLOOF_SPILL_DIR, else TMPDIR:
# 10^6 runs take about 23 GB there); a run that would not fit there either stops before it
# starts, and the script says so instead of a time. For before/after figures time two builds interleaved (the
# machine is shared and noisy), e.g. with farm-bench on the development machines.
set -e
kloof=${1:-./target/release/kloof}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
years=7
measure() {
    label=$1
    runs=$2
    shift 2
    if /usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null 2> "$out/err"; then
        read -r seconds kib < "$out/time"
        awk -v l="$label" -v s="$seconds" -v k="$kib" -v r="$runs" -v y="$years" 'BEGIN {
            printf "%-40s %8.2f s %12.0f run-years/s %8.0f MiB peak\n", l, s, r * y / s, k / 1024 }'
    else
        printf "%-40s does not run: %s\n" "$label" "$(grep -v '^Command exited' "$out/err" | head -n 1)"
    fi
}
for runs in 10000 100000 1000000; do
    measure "run, $runs runs" "$runs" "$kloof" run --runs "$runs" --quiet --out "$out/run-$runs"
    rm -rf "$out/run-$runs"
done
# Every study of a stress test (the base and each shock) simulates its runs: count them all.
studies=$(( $(grep -c '^  - name:' scenarios/stress/zoetermeer.yaml) + 1 ))
measure "stress, $studies studies x 10000 runs" $((studies * 10000)) "$kloof" stress \
    scenarios/zoetermeer.yaml --set scenarios/stress/zoetermeer.yaml --runs 10000 --quiet \
    --out "$out/stress"
