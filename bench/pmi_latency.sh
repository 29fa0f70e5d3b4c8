#!/usr/bin/env bash
# PMI delivery latency: from the moment a virtual counter overflows on the
# host to the guest's PMI handler, and the VMM's share of it.
#
#   bench/pmi_latency.sh [--runs R] [--rounds N] [--period P] [--json FILE] [--build DIR]
#
# Boots the counters guest (guests/counters, mode=pmi-latency) R times
# (default 3) for each delivery (NMI, fixed vector 0xF0), with the time
# backend. Each of N rounds (default 30) presets IA32_PMC0 to -P cycles
# (default 1e6, ~0.4 ms) with INT and spins in a user task until the PMI
# handler runs. What is measured, in the guest's TSC:
#
#   guest latency = handler TSC - (TSC when the counter started + P)
#
# The time backend counts the vCPU thread's run time at the TSC rate, so
# the counter wraps P ticks of run time after it started; it started
# inside the exit of the WRMSR that set EVTSEL.EN, between the TSC reads
# `armed_lo` and `armed_hi` around it, so the latency lies in
# [handler - armed_hi - P, handler - armed_lo - P]: both bounds and their
# midpoint are reported. It spans the host's perf hrtimer firing, the
# overflow signal ending KVM_RUN, the VMM folding the overflow and
# injecting the PMI (KVM_GET/SET_LAPIC, KVM_NMI or an MSI), the re-entry,
# and the guest's interrupt entry up to the handler's first RDTSC (CPL0,
# emulated on PVM hosts). Rounds in which the vCPU thread did not run for
# more than 10 us between arming and the handler (wall time minus its CPU
# time, from the cpu_us hypercall) or whose arming exit took over 200 us
# (the first perf_event_open of a process) are left out and counted.
#
# The VMM's share is `vpmu run --stats`' "PMI injection in the VMM": from
# the KVM_RUN return that brought the overflow to the re-entry with the
# PMI. Prints medians over all kept rounds, and JSON with --json.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
runs=3 rounds=30 period=1000000 json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "pmi_latency: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/guests/counters.elf"
bench_need "$vpmu" "$guest"

samples=$(mktemp) log=$(mktemp)
trap 'rm -f "$samples" "$log"' EXIT
for delivery in nmi vector; do
  vector=0
  [ "$delivery" = vector ] && vector=240
  for ((r = 0; r < runs; r++)); do
    bench_vpmu_run guest "$log" --backend time --pmu version=2 --stats "$guest" -- \
      mode=pmi-latency rounds="$rounds" period="$period" vector="$vector"
    # One line per round: delivery lo hi mid (us), or "drop REASON";
    # one "vmm MEAN_US" line per run.
    awk -v d="$delivery" '
      function val(k,   i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
      /^pmu / { khz = val("tsc_khz") }
      /^pmi / {
        if (val("missed") != "") { print "drop missed"; next }
        us = 1000 / khz
        armed = (val("armed_hi") - val("armed_lo")) * us
        wall = (val("handler") - val("armed_lo")) * us
        cpu = (val("cpu_handler") - val("cpu_armed") + 4294967296) % 4294967296
        if (armed > 200) { print "drop slow-arming"; next }
        if (wall - cpu > 10) { print "drop preempted"; next }
        lo = (val("handler") - val("armed_hi") - val("period")) * us
        hi = (val("handler") - val("armed_lo") - val("period")) * us
        printf "%s %.3f %.3f %.3f\n", d, lo, hi, (lo + hi) / 2
      }
      /PMI injection in the VMM: mean/ { for (i = 1; i <= NF; i++) if ($i == "mean") { v = $(i + 1); print "vmm-" d, v + 0 } }
    ' "$log" >>"$samples"
  done
done

median() { grep "^$1 " "$samples" | awk -v c="$2" '{print $c}' | sort -g |
           awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
kept() { grep -c "^$1 " "$samples" || true; }
dropped=$(grep -c '^drop ' "$samples" || true)
nmi_lo=$(median nmi 2) nmi_hi=$(median nmi 3) nmi_mid=$(median nmi 4)
vec_lo=$(median vector 2) vec_hi=$(median vector 3) vec_mid=$(median vector 4)
vmm_nmi=$(median vmm-nmi 2) vmm_vec=$(median vmm-vector 2)
awk -v runs="$runs" -v rounds="$rounds" -v period="$period" -v dropped="$dropped" \
    -v kn="$(kept nmi)" -v kv="$(kept vector)" \
    -v nlo="$nmi_lo" -v nhi="$nmi_hi" -v nmid="$nmi_mid" -v vlo="$vec_lo" -v vhi="$vec_hi" -v vmid="$vec_mid" \
    -v vmmn="$vmm_nmi" -v vmmv="$vmm_vec" -v json="$json" 'BEGIN {
  printf "%d runs x %d rounds per delivery, period %d cycles; %d rounds left out\n", runs, rounds, period, dropped
  printf "guest latency, overflow -> handler (median us): NMI %.1f [%.1f, %.1f] (%d rounds), vector %.1f [%.1f, %.1f] (%d rounds)\n", \
         nmid, nlo, nhi, kn, vmid, vlo, vhi, kv
  printf "VMM share, KVM_RUN return -> re-entry with the PMI (median of run means, us): NMI %.1f, vector %.1f\n", vmmn, vmmv
  if (json != "") {
    printf "{\"runs\": %d, \"rounds\": %d, \"period_cycles\": %d, \"dropped_rounds\": %d, " \
           "\"nmi_latency_us\": %.3f, \"nmi_latency_lo_us\": %.3f, \"nmi_latency_hi_us\": %.3f, \"nmi_rounds\": %d, " \
           "\"vector_latency_us\": %.3f, \"vector_latency_lo_us\": %.3f, \"vector_latency_hi_us\": %.3f, \"vector_rounds\": %d, " \
           "\"vmm_inject_nmi_us\": %.3f, \"vmm_inject_vector_us\": %.3f}\n", \
           runs, rounds, period, dropped, nmid, nlo, nhi, kn, vmid, vlo, vhi, kv, vmmn, vmmv > json
  }
}'
