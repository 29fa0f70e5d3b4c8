#!/usr/bin/env bash
# Gebai's checks (2014, Tables 5.1 and 5.2) on real runs: the heartbeat
# guest traced with `vpmu run --trace`, then `vpmu sync`, R times.
#
#   bench/trace_sync_accuracy.sh [--runs R] [--seconds S] [--hz N] [--clock apic|vmm]
#                                [--json FILE] [--build DIR]
#
# Per run: the synchronization's quality, drift (ppm), accuracy bound (ns),
# where the guest's zero (its boot) lands after the VM's first entry (µs),
# the guest events the host says fell where the vCPU was not running with
# the guest's zero at the first entry (the naive alignment; the raw clocks
# do not even overlap) and after sync, and the one-way delays of the sync
# pairs after sync (mean, sd, p50, p99 per direction, µs). Then medians
# over the runs. Defaults: 5 runs of 2 s at 1000 exchanges per second, the
# guest calibrating its TSC against the APIC timer.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
runs=5 seconds=2 hz=1000 clock=apic json="" build="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --hz) hz=$2; shift 2 ;;
    --clock) clock=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "trace_sync_accuracy: unknown argument '$1'" >&2; exit 125 ;;
  esac
done
vpmu="$build/emulator/vpmu"
guest="$build/guests/heartbeat.elf"
bench_need "$vpmu" "$guest"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((r = 0; r < runs; r++)); do
  "$vpmu" run --timeout 120 --trace "$work/run$r" "$guest" -- hz="$hz" seconds="$seconds" clock="$clock" \
    >"$work/console$r" 2>/dev/null || { echo "trace_sync_accuracy: run $r failed" >&2; cat "$work/console$r" >&2; exit 1; }
  "$vpmu" sync --host "$work/run$r/host" --guest "$work/run$r/guest" --out "$work/merged$r" \
    --json "$work/sync$r.json" 2>/dev/null
  rm -rf "$work/merged$r"
done

python3 - "$work" "$runs" "$json" <<'EOF'
import json, statistics, sys
work, runs, json_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for r in range(runs):
    s = json.load(open(f"{work}/sync{r}.json"))
    boot = s["before_sync_boot_aligned"]
    after = s["after_sync"]
    row = {
        "quality": s["quality"],
        "pairs_gh": s["pairs"]["guest_to_host"],
        "pairs_hg": s["pairs"]["host_to_guest"],
        "drift_ppm": s["drift_ppm"],
        "accuracy_ns": s["bounds"]["accuracy_ns"],
        "boot_after_first_entry_us": (s["offset_ns"] - boot["guest_zero_at_host_ns"]) / 1e3,
        "guest_events": after["placement"]["guest_events"],
        "misplaced_boot_aligned": boot["placement"]["misplaced"],
        "misplaced_boot_aligned_pct": 100 * boot["placement"]["misplaced_share"],
        "misplaced_after": after["placement"]["misplaced"],
        "misplaced_after_pct": 100 * after["placement"]["misplaced_share"],
    }
    for d, key in (("gh", "guest_to_host"), ("hg", "host_to_guest")):
        delays = after["pair_delays"][key]
        for stat in ("mean", "sd", "p50", "p99"):
            row[f"delay_{d}_{stat}_us"] = delays[f"{stat}_ns"] / 1e3
    rows.append(row)
cols = ["quality", "drift_ppm", "accuracy_ns", "boot_after_first_entry_us", "guest_events",
        "misplaced_boot_aligned", "misplaced_boot_aligned_pct", "misplaced_after", "delay_gh_mean_us",
        "delay_gh_sd_us", "delay_hg_mean_us", "delay_hg_sd_us"]
for i, row in enumerate(rows):
    print(f"run {i}: " + ", ".join(f"{c}={row[c]:.4g}" if isinstance(row[c], float) else f"{c}={row[c]}" for c in cols))
medians = {k: statistics.median(row[k] for row in rows) for k in rows[0] if k != "quality"}
print("medians over %d runs:" % runs)
print("  quality: %s" % ", ".join(sorted({row["quality"] for row in rows})))
print("  drift %.3f ppm, accuracy bound %.0f ns, guest boot %.0f us after the first entry"
      % (medians["drift_ppm"], medians["accuracy_ns"], medians["boot_after_first_entry_us"]))
print("  misplaced guest events (Table 5.2): %.0f of %.0f (%.3f%%) with the guest's zero at the first entry, "
      "%.0f (%.3f%%) after sync" % (medians["misplaced_boot_aligned"], medians["guest_events"],
                                     medians["misplaced_boot_aligned_pct"], medians["misplaced_after"],
                                     medians["misplaced_after_pct"]))
print("  post-sync one-way delays (Table 5.1), us: guest->host mean %.2f sd %.2f p50 %.2f p99 %.2f; "
      "host->guest mean %.2f sd %.2f p50 %.2f p99 %.2f"
      % tuple(medians[f"delay_{d}_{s}_us"] for d in ("gh", "hg") for s in ("mean", "sd", "p50", "p99")))
if json_path:
    with open(json_path, "w") as f:
        json.dump({"runs": rows, "medians": medians}, f, indent=1)
        f.write("\n")
EOF
