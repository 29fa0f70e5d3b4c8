#!/usr/bin/env bash
# The guest-observed cost of one PMU RDMSR and one WRMSR round trip through
# the VMM, next to a plain port-I/O exit, measured in the same run.
#
#   bench/vmm_exit_cost.sh [--runs R] [--n N] [--json FILE] [--build DIR]
#
# Boots the bring-up guest (tests/emulator/guests/bringup) R times (default
# 5); each boot times N (default 20000) back-to-back port writes, RDMSR and
# WRMSR of IA32_PMC0 (filtered to the VMM, answered by the Vpmu), and an
# empty loop, with RDTSC in the guest. The guest's loop runs at CPL0, which
# PVM hosts emulate (~0.5 us per instruction), so the empty loop is
# subtracted. Prints medians in microseconds and the ratios, and writes
# them as JSON with --json.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
runs=5 n=20000 json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "vmm_exit_cost: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/tests/emulator/guests/bringup64.elf"
bench_need "$vpmu" "$guest"

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for ((r = 0; r < runs; r++)); do
  out=$("$vpmu" run --timeout 120 --backend none "$guest" -- hypercall=1 \
        bench-empty="$n" bench-io="$n" bench-rdmsr="$n" bench-wrmsr="$n")
  khz=$(( $(sed -n 's/^hypercall 0x1 = \(0x[0-9a-f]*\)$/\1/p' <<<"$out") ))
  while read -r _ kind _ cycles; do
    # us per operation = cycles / (kHz * 1000) * 1e6 / n
    awk -v k="$kind" -v c="$(( ${cycles#cycles=} ))" -v khz="$khz" -v n="$n" \
      'BEGIN { printf "%s %.4f\n", k, c / khz * 1000 / n }'
  done < <(grep '^bench ' <<<"$out") >>"$samples"
done

median() { grep "^$1 " "$samples" | awk '{print $2}' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
empty=$(median empty) io=$(median io) rd=$(median rdmsr) wr=$(median wrmsr)
awk -v e="$empty" -v io="$io" -v rd="$rd" -v wr="$wr" -v runs="$runs" -v n="$n" -v json="$json" 'BEGIN {
  io_us = io - e; rd_us = rd - e; wr_us = wr - e
  printf "runs %d x %d ops; empty loop %.2f us/turn subtracted\n", runs, n, e
  printf "port-I/O exit   %6.2f us\n", io_us
  printf "PMU RDMSR exit  %6.2f us  (%.2fx port I/O)\n", rd_us, rd_us / io_us
  printf "PMU WRMSR exit  %6.2f us  (%.2fx port I/O)\n", wr_us, wr_us / io_us
  if (json != "") {
    printf "{\"runs\": %d, \"ops_per_run\": %d, \"empty_loop_us\": %.4f, \"io_exit_us\": %.4f, " \
           "\"rdmsr_exit_us\": %.4f, \"wrmsr_exit_us\": %.4f, \"rdmsr_over_io\": %.4f, " \
           "\"wrmsr_over_io\": %.4f}\n", runs, n, e, io_us, rd_us, wr_us, rd_us / io_us, wr_us / io_us > json
  }
}'
