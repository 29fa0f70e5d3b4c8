# Shared by ci/test and ci/demo: install what the build needs from Debian 12
# packages (only what is missing), then configure and build one variant.
# Sourced, not run.

VPMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

VPMU_PACKAGES=(
  build-essential cmake pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libpfm4-dev linux-libc-dev
  babeltrace2 libbabeltrace2-dev
)

log() { printf '[vpmu] %s\n' "$*" >&2; }

ensure_packages() {
  local missing=() p
  for p in "${VPMU_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vpmu-apt.log 2>&1; then
    "${sudo[@]}" apt-get update -q >>/tmp/vpmu-apt.log 2>&1
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/vpmu-apt.log 2>&1 ||
      { log "apt-get failed; see /tmp/vpmu-apt.log"; tail -n 20 /tmp/vpmu-apt.log >&2; return 1; }
  fi
}

# build_variant DIR [cmake args...]: configure (once) and build.
build_variant() {
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    log "configuring $dir"
    cmake -S "$VPMU_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null || return 1
  fi
  log "building $dir"
  cmake --build "$dir" -j "$(nproc)" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
  [ "${PIPESTATUS[0]}" -eq 0 ]
}
