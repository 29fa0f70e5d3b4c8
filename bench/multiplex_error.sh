#!/usr/bin/env bash
# Multiplexing error: how far perf-style scaled estimates of counters that
# share too few physical slots land from the truth, next to the same
# counters unmultiplexed.
#
#   bench/multiplex_error.sh [--runs R] [--json FILE] [--build DIR]
#
# Time backend: the counters guest (mode=cycles, 4 windows of 2e8 loop
# turns) with 8 GP + 2 fixed counters on cycles, once on --pool 2 (each
# bound ~1/5 of the time) and once without a pool. The truth per window
# is the vCPU thread's CPU time (cpu_us hypercall) x the TSC kHz; the
# error of a counter in a window is estimate / truth - 1.
#
# Precise backend: mode=exact (a CPL0 loop of exactly 2N+4 instructions
# and N branches, N = 3000) with its 4 stepped counters on --pool 2; the
# error is against those exact counts. (Shorter loops in the same run are
# left out: a counter that never got a slot before the loop ended reads
# 0, as a perf count with time_running = 0 would.)
#
# Prints, over R runs (default 3), the median |error| of each case and
# its most negative and most positive error, and JSON with --json. (This
# host is itself a VM: its hypervisor's steal time is in perf's task-clock
# but not in the CPU time, so time-backend errors lean positive in bursts.)
set -euo pipefail

source "$(dirname "$0")/lib.sh"
runs=3 json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "multiplex_error: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/guests/counters.elf"
bench_need "$vpmu" "$guest"

samples=$(mktemp) log=$(mktemp)
trap 'rm -f "$samples" "$log"' EXIT
run() {  # run CASE VPMU-ARGS... -- GUEST-ARGS...
  bench_vpmu_run "$1" "$log" "${@:2}"
}
for ((r = 0; r < runs; r++)); do
  for pool in 2 none; do
    case_name=time-pool$pool
    pool_args=(--pool 2)
    [ "$pool" = none ] && pool_args=()
    run "$case_name" --backend time --pmu version=2,gp=8 "${pool_args[@]}" "$guest" -- \
      mode=cycles gp=8 fixed=1 windows=4 iters=200000000
    awk -v c="$case_name" '
      function val(k,   i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
      /^pmu / { khz = val("tsc_khz") }
      /^window / {
        truth = val("cpu") * khz / 1000
        for (i = 2; i <= NF; i++) if ($i ~ /^(pmc|fix)/) { split($i, kv, "="); printf "%s %.6f\n", c, kv[2] / truth - 1 }
      }' "$log" >>"$samples"
  done
  run precise-pool2 --backend precise --pmu version=2 --pool 2 "$guest" -- mode=exact
  awk '
    function val(k,   i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
    /^exact / && val("n") == 3000 {
      n = val("n")
      printf "precise-pool2 %.6f\nprecise-pool2 %.6f\nprecise-pool2 %.6f\n", val("pmc0") / (2 * n + 4) - 1,
             val("fix0") / (2 * n + 4) - 1, val("pmc1") / n - 1
    }' "$log" >>"$samples"
done

stat() {  # median |error|, lowest and highest error of a case, in percent
  local values median
  values=$(grep "^$1 " "$samples" | awk '{print $2 * 100}' | sort -g)
  median=$(awk '{print $1 < 0 ? -$1 : $1}' <<<"$values" | sort -g |
           awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  printf "%.3f %.3f %.3f %d" "$median" "$(head -n1 <<<"$values")" "$(tail -n1 <<<"$values")" "$(wc -l <<<"$values")"
}
read -r tm_med tm_lo tm_hi tm_n <<<"$(stat time-pool2)"
read -r tu_med tu_lo tu_hi tu_n <<<"$(stat time-poolnone)"
read -r pm_med pm_lo pm_hi pm_n <<<"$(stat precise-pool2)"
printf "%d runs; estimate / truth - 1 in percent: median of |error|, [lowest, highest]\n" "$runs"
printf "time backend, 10 counters on 2 slots:   %s [%s, %s] (%s counter-windows)\n" "$tm_med" "$tm_lo" "$tm_hi" "$tm_n"
printf "time backend, 10 counters, no pool:     %s [%s, %s] (%s counter-windows)\n" "$tu_med" "$tu_lo" "$tu_hi" "$tu_n"
printf "precise backend, 4 counters on 2 slots: %s [%s, %s] (%s counts of a 6004-instruction loop)\n" \
  "$pm_med" "$pm_lo" "$pm_hi" "$pm_n"
if [ -n "$json" ]; then
  printf '{"runs": %d, "time_multiplexed_median_pct": %s, "time_multiplexed_min_pct": %s, "time_multiplexed_max_pct": %s, "time_unmultiplexed_median_pct": %s, "time_unmultiplexed_min_pct": %s, "time_unmultiplexed_max_pct": %s, "precise_multiplexed_median_pct": %s, "precise_multiplexed_min_pct": %s, "precise_multiplexed_max_pct": %s}\n' \
    "$runs" "$tm_med" "$tm_lo" "$tm_hi" "$tu_med" "$tu_lo" "$tu_hi" "$pm_med" "$pm_lo" "$pm_hi" >"$json"
fi
