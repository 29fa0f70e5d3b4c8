# Shared by the bench/*.sh harness scripts; sourced, not run.
# Sets `root` (the checkout) and `bench` (the script's name for messages).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$(basename "$0" .sh)

# bench_need FILE...: every file the build makes must be there.
bench_need() {
  local f
  for f; do
    [ -e "$f" ] || { echo "$bench: $f is missing; build first" >&2; exit 1; }
  done
}

# bench_vpmu_run WHAT LOG ARGS...: `vpmu run --timeout 120 ARGS` with its
# output in LOG; a failed run prints LOG and ends the script. Needs $vpmu.
bench_vpmu_run() {
  local what=$1 log=$2
  shift 2
  if ! "$vpmu" run --timeout 120 "$@" >"$log" 2>&1; then
    echo "$bench: the $what run failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}
