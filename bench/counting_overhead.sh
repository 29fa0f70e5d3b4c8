#!/usr/bin/env bash
# Overhead of counting: the same user-mode workload in the same guest with
# no PMU, with counters counting (no interrupts), and with more counters
# than physical slots (multiplexed), as ratios of medians.
#
#   bench/counting_overhead.sh [--runs R] [--windows W] [--iters N] [--json FILE] [--build DIR]
#
# Boots the counters guest (guests/counters, mode=cycles) R times (default
# 7) in each configuration, interleaved (off, counting, multiplexed, off,
# ...) so drifting host load hits all three alike:
#
#   off          --pmu off                       no counter at all
#   counting     --pmu version=2 --backend time  PMC0-3 + FIXED_CTR1/2 on cycles
#   multiplexed  the same 6 counters on --pool 2 (rotation every 4 ms)
#
# Each run times W windows (default 5) of N turns (default 2e8, ~55 ms
# natively) of a dec/jnz loop in a user task, reading the TSC (wall time)
# and the vCPU thread's CPU time (cpu_us hypercall) around each window,
# outside the loop. The figure of a run is its total over the windows; the
# ratios are medians over runs: counting/off and multiplexed/off, for wall
# time and for CPU time (wall time also moves with host load; CPU time
# shows what the vCPU itself spent). Prints them, and JSON with --json.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
runs=7 windows=5 iters=200000000 json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --windows) windows=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "counting_overhead: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/guests/counters.elf"
bench_need "$vpmu" "$guest"

samples=$(mktemp) log=$(mktemp)
trap 'rm -f "$samples" "$log"' EXIT
workload=(mode=cycles windows="$windows" iters="$iters")
for ((r = 0; r < runs; r++)); do
  for config in off counting multiplexed; do
    case "$config" in
      off) args=(--pmu off) guest_args=(gp=0) ;;
      counting) args=(--pmu version=2 --backend time) guest_args=(gp=4 fixed=1) ;;
      multiplexed) args=(--pmu version=2 --backend time --pool 2) guest_args=(gp=4 fixed=1) ;;
    esac
    bench_vpmu_run "$config" "$log" "${args[@]}" "$guest" -- "${workload[@]}" "${guest_args[@]}"
    # "CONFIG WALL_MS CPU_MS COUNTERS" per run.
    awk -v c="$config" '
      function val(k,   i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
      /^pmu / { khz = val("tsc_khz") }
      /^window / { wall += val("tsc") / khz; cpu += val("cpu") / 1000; n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^(pmc|fix)/) ++n }
      END { printf "%s %.3f %.3f %d\n", c, wall, cpu, n }
    ' "$log" >>"$samples"
  done
done

median() { grep "^$1 " "$samples" | awk -v c="$2" '{print $c}' | sort -g |
           awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
counters() { grep "^$1 " "$samples" | head -n1 | awk '{print $4}'; }
awk -v runs="$runs" -v windows="$windows" -v iters="$iters" -v json="$json" \
    -v ow="$(median off 2)" -v oc="$(median off 3)" \
    -v cw="$(median counting 2)" -v cc="$(median counting 3)" -v cn="$(counters counting)" \
    -v mw="$(median multiplexed 2)" -v mc="$(median multiplexed 3)" 'BEGIN {
  printf "%d runs per configuration, %d windows x %d turns; medians of the per-run totals\n", runs, windows, iters
  printf "off           wall %8.2f ms  cpu %8.2f ms\n", ow, oc
  printf "counting      wall %8.2f ms  cpu %8.2f ms  (%d counters)  ratio to off: wall %.4f, cpu %.4f\n", cw, cc, cn, cw / ow, cc / oc
  printf "multiplexed   wall %8.2f ms  cpu %8.2f ms  (%d on 2 slots)  ratio to off: wall %.4f, cpu %.4f\n", mw, mc, cn, mw / ow, mc / oc
  if (json != "") {
    printf "{\"runs\": %d, \"windows\": %d, \"iters\": %d, \"off_wall_ms\": %.3f, \"off_cpu_ms\": %.3f, " \
           "\"counting_wall_ms\": %.3f, \"counting_cpu_ms\": %.3f, \"multiplexed_wall_ms\": %.3f, " \
           "\"multiplexed_cpu_ms\": %.3f, \"counting_over_off_wall\": %.4f, \"counting_over_off_cpu\": %.4f, " \
           "\"multiplexed_over_off_wall\": %.4f, \"multiplexed_over_off_cpu\": %.4f}\n", \
           runs, windows, iters, ow, oc, cw, cc, mw, mc, cw / ow, cc / oc, mw / ow, mc / oc > json
  }
}'
