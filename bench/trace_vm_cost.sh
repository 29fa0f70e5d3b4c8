#!/usr/bin/env bash
# What tracing costs the VMM's run loop in a real VM run: the heartbeat
# guest (guests/heartbeat) with `vpmu run --trace DIR` against the same run
# without --trace, interleaved.
#
#   bench/trace_vm_cost.sh [--pairs P] [--ms MS] [--json FILE] [--build DIR]
#
# Each of P pairs (default 5) boots the heartbeat twice, traced and not, for
# MS ms of guest time (default 2000) at 1000 sync exchanges per second. The
# guest does the same exits either way: without --trace the VMM still
# answers the sync hypercall and takes (and drops) the trace buffers.
# Reported per run, then as medians over the pairs and the ratio traced /
# untraced of each pair (median of the ratios):
#   exchange_p50_ns  the guest-observed round trip of the exchange's OUT
#                    (between its two RDTSCs): one exit with, when traced,
#                    four enabled tracepoints in it (vcpu_exit,
#                    vmsync_gh_host, vcpu_entry, vmsync_hg_host)
#   vmm_us_per_exit  the VMM's handling time per exit (--json: KVM_RUN's
#                    return to the dispatch's end), trace-buffer flushes
#                    included (traced: converted and written as CTF)
#   syncs            exchanges the guest managed in its MS ms
# Tracepoints that are compiled in but disabled cost one load and a branch
# (bench_trace_tracepoint: BM_TracepointDisabled); the untraced runs carry
# them.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
pairs=5 ms=2000 json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --ms) ms=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "trace_vm_cost: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/guests/heartbeat.elf"
bench_need "$vpmu" "$guest"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$work/samples"

# one_run traced|untraced: appends "mode p50_ns vmm_us_per_exit syncs"
one_run() {
  local mode=$1 args=()
  [ "$mode" = traced ] && args=(--trace "$work/trace")
  local out
  out=$("$vpmu" run --timeout 120 --json "$work/run.json" "${args[@]}" "$guest" -- hz=1000 ms="$ms" 2>/dev/null)
  local p50 syncs
  p50=$(sed -n 's/^heartbeat exchanges .* p50_ns=\([0-9]*\).*/\1/p' <<<"$out")
  syncs=$(sed -n 's/^heartbeat done .* syncs=\([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$p50" ] && [ -n "$syncs" ] || { echo "trace_vm_cost: the heartbeat did not report:" >&2; echo "$out" >&2; exit 1; }
  local per_exit
  per_exit=$(python3 -c '
import json, sys
vm = json.load(open(sys.argv[1]))["vms"][0]
count = sum(k["count"] for k in vm["exits"].values())
vmm = sum(k["vmm_us"] for k in vm["exits"].values())
print("%.4f" % (vmm / count))' "$work/run.json")
  echo "$mode $p50 $per_exit $syncs" >>"$samples"
}

for ((p = 0; p < pairs; p++)); do
  # Alternate which goes first, so drifts of the host load fall on both.
  if ((p % 2)); then one_run traced; one_run untraced; else one_run untraced; one_run traced; fi
done

python3 - "$samples" "$json" "$pairs" "$ms" <<'EOF'
import json, statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
json_path, pairs, ms = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = {"traced": [], "untraced": []}
for mode, p50, per_exit, syncs in rows:
    runs[mode].append((float(p50), float(per_exit), int(syncs)))
med = lambda xs: statistics.median(xs)
result = {"pairs": pairs, "guest_ms": ms}
print("mode       exchange_p50_ns  vmm_us_per_exit  syncs")
for mode in ("untraced", "traced"):
    for p50, per_exit, syncs in runs[mode]:
        print(f"{mode:9}  {p50:15.0f}  {per_exit:15.3f}  {syncs:5d}")
for i, key in enumerate(("exchange_p50_ns", "vmm_us_per_exit", "syncs")):
    t = [r[i] for r in runs["traced"]]
    u = [r[i] for r in runs["untraced"]]
    ratios = [a / b for a, b in zip(t, u)]
    result[key] = {"untraced_median": med(u), "traced_median": med(t), "traced_over_untraced": med(ratios)}
    print(f"{key}: untraced {med(u):.4g}, traced {med(t):.4g}, traced/untraced {med(ratios):.4f} (median of {len(ratios)} pairs)")
d = result["exchange_p50_ns"]
print(f"tracing adds {d['traced_median'] - d['untraced_median']:.0f} ns to the exchange's exit (4 tracepoints)")
if json_path:
    with open(json_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
EOF
