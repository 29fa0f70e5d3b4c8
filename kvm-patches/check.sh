#!/usr/bin/env bash
# Apply the kvm-patches/ series to Debian 12's linux-source-6.1 and compile
# KVM with it, failing loudly on any conflict, checkpatch complaint or
# compiler warning. The heavier check behind the userspace tests: it needs
# no /dev/kvm and no reboot.
#
#   kvm-patches/check.sh [--fresh] [--no-install]
#
#   --fresh       unpack the kernel tree anew (default: reuse the work dir)
#   --no-install  do not apt-get missing packages, fail instead
#
# Environment:
#   VPMU_KVM_WORKDIR  where the tree is unpacked and built
#                     (default /var/tmp/vpmu-kvm-patches; never inside a git
#                     work tree, which would change what `git apply` does)
#   JOBS              parallel make jobs (default: nproc)
#
# Steps: install linux-source-6.1 and the build dependencies; unpack (or
# restore the files a previous run patched); checkpatch each patch; `git
# apply --check` then apply each patch in order; configure x86_64 defconfig
# + KVM, KVM_INTEL, KVM_AMD, KVM_XEN, tracing and CONFIG_WERROR; `make
# prepare` and `make arch/x86/kvm/` (niced, logged); fail on any "warning:"
# in the KVM build log; build the series' KVM selftest (no warnings allowed)
# and run it, which skips on a host without the capability; install the
# patched uapi headers and compile a C and a C++ program against them,
# including kvm-patches/include. Prints the elapsed time. Exit status 0
# only if every step passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workdir=${VPMU_KVM_WORKDIR:-/var/tmp/vpmu-kvm-patches}
jobs=${JOBS:-$(nproc)}
tarball=/usr/src/linux-source-6.1.tar.xz
fresh=0
install=1
for arg in "$@"; do
  case $arg in
    --fresh) fresh=1 ;;
    --no-install) install=0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "check.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

start=$(date +%s)
step="starting"
log() { printf '[kvm-patches] %s\n' "$*" >&2; }
elapsed() { local s=$(( $(date +%s) - start )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
finish() {
  local rc=$?
  if [ $rc -eq 0 ]; then
    log "PASS: series applies and arch/x86/kvm builds without warnings ($(elapsed))"
  else
    log "FAIL during: $step (exit $rc, after $(elapsed))"
  fi
}
trap finish EXIT
die() { log "error: $*"; exit 1; }

mapfile -t patches < <(find "$here" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort)
[ ${#patches[@]} -gt 0 ] || die "no patches in $here"

# --- 1. packages -----------------------------------------------------------
step="installing packages"
packages=(linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev
          xz-utils cpio kmod perl python3 git patch rsync linux-libc-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ $install -eq 1 ] || die "missing packages: ${missing[*]} (run without --no-install)"
  log "installing: ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vpmu-kvm-apt.log 2>&1; then
    "${sudo[@]}" apt-get update -q >>/tmp/vpmu-kvm-apt.log 2>&1 || true
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/vpmu-kvm-apt.log 2>&1 ||
      { tail -n 20 /tmp/vpmu-kvm-apt.log >&2; die "apt-get failed, see /tmp/vpmu-kvm-apt.log"; }
  fi
fi
[ -f "$tarball" ] || die "$tarball not found after installing linux-source-6.1"
source_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
log "kernel source: linux-source-6.1 $source_version"

# --- 2. the tree -------------------------------------------------------------
step="preparing the kernel tree"
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
if git -C "$workdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  die "work dir $workdir is inside a git work tree; set VPMU_KVM_WORKDIR elsewhere"
fi
# Keep git from looking above the work dir: `git apply` must see no repository.
export GIT_CEILING_DIRECTORIES=$workdir
tree=$workdir/linux-source-6.1
stamp=$workdir/source.stamp
touched=$workdir/touched-files.txt
tarball_id="$source_version $(stat -c '%s %Y' "$tarball")"

if [ $fresh -eq 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$tarball_id" ] || [ ! -d "$tree" ]; then
  log "unpacking $tarball into $workdir"
  rm -rf "$tree" "$stamp" "$touched"
  tar -C "$workdir" -xJf "$tarball"
  [ -f "$tree/Makefile" ] || die "the tarball did not unpack to $tree"
  echo "$tarball_id" >"$stamp"
else
  # Reuse: put back every file a previous run may have patched, plus every
  # file this series touches, from the tarball (with a fresh mtime so make
  # rebuilds them); files only patches created are deleted.
  files=()
  [ -f "$touched" ] && mapfile -t files <"$touched"
  for p in "${patches[@]}"; do
    mapfile -t -O "${#files[@]}" files < <(sed -n 's|^+++ b/||p; s|^--- a/||p' "$p")
  done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^/dev/null$' | sort -u)
  if [ ${#files[@]} -gt 0 ]; then
    log "restoring ${#files[@]} file(s) from the tarball"
    for f in "${files[@]}"; do rm -f "$tree/$f"; done
    tar -C "$workdir" -xJf "$tarball" --touch "${files[@]/#/linux-source-6.1/}" 2>"$workdir/restore.log" || true
    grep -v 'Not found in archive\|Exiting with failure' "$workdir/restore.log" >&2 || true
  fi
fi

# --- 3. checkpatch -----------------------------------------------------------
step="checkpatch"
# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is ignored: the one
# new file, a KVM selftest, is already covered by the KVM entry's
# F: tools/testing/selftests/kvm/.
for p in "${patches[@]}"; do
  out=$(cd "$tree" && perl scripts/checkpatch.pl --no-tree --terse --show-types \
          --ignore FILE_PATH_CHANGES "$p" 2>&1) || {
    printf '%s\n' "$out" >&2
    die "checkpatch reports errors or warnings in $(basename "$p")"
  }
done
log "checkpatch: ${#patches[@]} patches clean"

# --- 4. apply ----------------------------------------------------------------
# Record what the series touches before changing anything, so a later run
# can restore it even if this one stops half-way.
for p in "${patches[@]}"; do sed -n 's|^+++ b/||p; s|^--- a/||p' "$p"; done |
  grep -v '^/dev/null$' | sort -u >"$touched"
for p in "${patches[@]}"; do
  name=$(basename "$p")
  step="applying $name"
  (cd "$tree" && git apply --check "$p") || die "$name does not apply to linux-source-6.1 $source_version (conflict)"
  (cd "$tree" && git apply --whitespace=error-all "$p") || die "$name failed to apply"
  log "applied $name"
done

# --- 5. configure ------------------------------------------------------------
step="configuring"
config_opts=(-e KVM -e KVM_INTEL -e KVM_AMD -e KVM_XEN -e FTRACE -e FUNCTION_TRACER -e WERROR)
config_id="defconfig ${config_opts[*]}"
if [ ! -f "$tree/.config" ] || [ "$(cat "$workdir/config.stamp" 2>/dev/null)" != "$config_id" ]; then
  log "configuring: x86_64 defconfig + ${config_opts[*]}"
  (cd "$tree" && make -s ARCH=x86_64 defconfig && scripts/config "${config_opts[@]}" &&
     make -s ARCH=x86_64 olddefconfig) >"$workdir/config.log" 2>&1 || { tail -n 20 "$workdir/config.log" >&2; die "kernel configuration failed"; }
  echo "$config_id" >"$workdir/config.stamp"
fi
for opt in KVM KVM_INTEL KVM_AMD TRACEPOINTS EVENT_TRACING WERROR; do
  grep -q "^CONFIG_$opt=y" "$tree/.config" || die "CONFIG_$opt is not enabled in $tree/.config"
done

# --- 6. build ----------------------------------------------------------------
step="make prepare"
build_log=$workdir/build.log
log "building (make -j$jobs, niced; log: $build_log)"
(cd "$tree" && nice -n 10 make -j"$jobs" ARCH=x86_64 KCFLAGS=-Werror prepare) >"$workdir/prepare.log" 2>&1 ||
  { tail -n 30 "$workdir/prepare.log" >&2; die "make prepare failed, see $workdir/prepare.log"; }
step="make arch/x86/kvm/"
(cd "$tree" && nice -n 10 make -j"$jobs" ARCH=x86_64 KCFLAGS=-Werror arch/x86/kvm/) >"$build_log" 2>&1 ||
  { grep -E -B2 -A6 'error|warning' "$build_log" | head -n 60 >&2; die "the KVM build failed, see $build_log"; }
if grep -q 'warning:' "$build_log"; then
  grep -E -B2 -A6 'warning:' "$build_log" | head -n 60 >&2
  die "the KVM build printed warnings, see $build_log"
fi
# The objects the series changes must have been compiled with it.
for obj in x86.o pmu.o emulate.o; do
  [ "$tree/arch/x86/kvm/$obj" -nt "$tree/arch/x86/kvm/${obj%.o}.c" ] ||
    die "arch/x86/kvm/$obj is older than its source: it was not rebuilt"
done
symbols=$(nm "$tree/arch/x86/kvm/x86.o")
for tp in kvm_pmu_rdpmc_userspace kvm_pmu_rdpmc_userspace_complete kvm_pmu_program \
          kvm_pmu_release kvm_pmu_overflow kvm_pmu_deliver_pmi; do
  grep -q " __tracepoint_$tp\$" <<<"$symbols" || die "x86.o lacks the $tp tracepoint"
done
log "arch/x86/kvm built without warnings ($(grep -c '^  CC' "$build_log") objects compiled)"

# --- 7. the selftest -----------------------------------------------------------
step="building the KVM selftest"
selftest_dir=$tree/tools/testing/selftests/kvm
selftest=$selftest_dir/x86_64/userspace_rdpmc_exit_test
selftest_log=$workdir/selftest.log
rm -f "$selftest"
(cd "$tree" && nice -n 10 make -s -j"$jobs" ARCH=x86_64 headers &&
   nice -n 10 make -j"$jobs" -C "$selftest_dir" "$selftest") >"$selftest_log" 2>&1 ||
  { grep -E -B2 -A6 'error|warning' "$selftest_log" | head -n 60 >&2; die "the selftest build failed, see $selftest_log"; }
if grep -q 'warning:' "$selftest_log"; then
  grep -E -B2 -A6 'warning:' "$selftest_log" | head -n 60 >&2
  die "the selftest build printed warnings, see $selftest_log"
fi
# Run it against this host's KVM: it skips (KSFT_SKIP = 4) where the host
# kernel lacks the capability, as a stock kernel does.
step="running the KVM selftest"
if [ -c /dev/kvm ]; then
  set +e
  selftest_out=$("$selftest" 2>&1)
  rc=$?
  set -e
  case $rc in
    0) log "selftest userspace_rdpmc_exit_test passed on this host" ;;
    4) log "selftest built; skipped on this host: $(tail -n 1 <<<"$selftest_out")" ;;
    *) printf '%s\n' "$selftest_out" >&2; die "selftest userspace_rdpmc_exit_test failed (exit $rc)" ;;
  esac
else
  log "selftest built; not run: no /dev/kvm"
fi

# --- 8. the uapi header in userspace ----------------------------------------
step="compiling the patched uapi header in userspace"
hdr=$workdir/usr
(cd "$tree" && make -s ARCH=x86_64 headers_install INSTALL_HDR_PATH="$hdr") >"$workdir/headers.log" 2>&1 ||
  { tail -n 20 "$workdir/headers.log" >&2; die "make headers_install failed"; }
cat >"$workdir/uapi_check.c" <<'EOF'
#include <stddef.h>
#include <linux/kvm.h>
_Static_assert(KVM_CAP_X86_USER_SPACE_RDPMC == 224, "capability number");
_Static_assert(KVM_EXIT_X86_RDPMC == 38, "exit reason");
_Static_assert(offsetof(struct kvm_run, rdpmc.error) == 32, "error");
_Static_assert(offsetof(struct kvm_run, rdpmc.index) == 36, "index");
_Static_assert(offsetof(struct kvm_run, rdpmc.data) == 40, "data");
_Static_assert(sizeof(((struct kvm_run *)0)->rdpmc) == 16, "size");
_Static_assert(offsetof(struct kvm_run, kvm_valid_regs) == 32 + 256, "exit union grew");
int main(void) { struct kvm_run run = { .exit_reason = KVM_EXIT_X86_RDPMC }; run.rdpmc.data = 1; return run.rdpmc.error; }
EOF
cat >"$workdir/uapi_check.cpp" <<'EOF'
#include "vpmu_kvm_rdpmc.h"
#if !VPMU_KVM_PATCHED_UAPI
#error "the installed patched header was not picked up"
#endif
int main() {
    kvm_run run{};
    run.exit_reason = KVM_EXIT_X86_RDPMC;
    run.rdpmc.index = 3;
    vpmu::kvm_rdpmc::complete_rdpmc(run, 0x100000002ull);
    return (vpmu::kvm_rdpmc::rdpmc_index(run) == 3u && run.rdpmc.data == 0x100000002ull &&
            run.rdpmc.error == 0) ? 0 : 1;
}
EOF
gcc -std=c11 -Wall -Wextra -Werror -isystem "$hdr/include" "$workdir/uapi_check.c" -o "$workdir/uapi_check_c" ||
  die "the patched <linux/kvm.h> does not compile as C"
g++ -std=c++20 -Wall -Wextra -Wpedantic -Werror -isystem "$hdr/include" -I "$here/include" \
  "$workdir/uapi_check.cpp" -o "$workdir/uapi_check_cpp" ||
  die "kvm-patches/include/vpmu_kvm_rdpmc.h does not compile against the patched <linux/kvm.h>"
"$workdir/uapi_check_c" && "$workdir/uapi_check_cpp" || die "the uapi check programs failed"
log "patched uapi header compiles in C and C++; vpmu_kvm_rdpmc.h agrees with it"
step="done"
