#include "cli/options.h"

namespace vpmu::cli {

std::string main_usage() {
    return R"(usage: vpmu COMMAND [options]

A userspace virtual PMU for KVM guests.

commands:
  run    boot a PVH guest with a virtual Intel architectural PMU
  bench  the overhead/accuracy experiments: workloads native vs VM vs vPMU
  info   show what a PMU spec exposes (CPUID leaf 0AH, PMU MSR map)
  sync   align a guest's trace to its host's (the traces of run --trace)
  help   this text

'vpmu COMMAND --help' describes a command.
)";
}

std::string run_usage() {
    return R"(usage: vpmu run [options] GUEST.elf [-- GUEST COMMAND LINE]

Boots GUEST.elf (an ELF32/ELF64 image with a PVH entry note) on /dev/kvm.
The guest's console is a 16550 UART at port 0x3f8; it ends the run by
writing a byte v (0-124) to port 0xf4.

options:
  --pmu SPEC       'off', or key=value pairs joined by commas:
                   version=1..5 gp=N gp-width=W fixed=N fixed-width=W
                   events=MASK (CPUID.0AH.EBX: set bit = event NOT available)
                   full-width=0|1        (default: a version 2 PMU)
  --pmu-file FILE  the same keys from a file (key=value lines, # comments)
  --backend B      auto | hw | time | precise | none   (default auto):
                   hw: guest-only host hardware events; time: cycles from
                   the vCPU thread's task-clock at the guest TSC rate;
                   precise: instructions and branches exact by
                   single-stepping (slow), cycles as auto; none: no counting
  --pool N         physical counter slots per host CPU (1-64), shared by the
                   vCPUs pinned there (unpinned vCPUs share one pool); more
                   enabled counters than slots are time-sliced, perf-style
                   (default: no limit, one host event per counter)
  --max-pmi-rate N PMIs per second per vCPU before delivery is held back
                   (default 100000, perf's max sample rate; 0 = no limit)
  --mem MIB        guest RAM in MiB (1-3072, default 64)
  --vcpus N        vCPUs per VM, a host thread each (1-64, default 1)
  --pin CPU,...    pin vCPU threads to host CPUs, in order, round robin
  --vms N          boot N copies of the guest, one VM each (default 1);
                   console lines get a '[vmK] ' prefix, --console FILE
                   becomes FILE.vmK
  --timeout SEC    stop a guest still running after SEC seconds
  --console FILE   guest console to FILE instead of standard output
  --trace DIR      record CTF traces: DIR/host, the VMM's tracepoints (vCPU
                   entry/exit with reason, PMU MSR accesses, counter bind/
                   recall/rotate, overflows, PMI injection, sync exchanges),
                   and DIR/guest, what the guest's tracer hands over, on the
                   guest's own clock (DIR/guest.vmK with --vms); align them
                   with 'vpmu sync --host DIR/host --guest DIR/guest ...'
  --stats          print exits per kind and VMM time on standard error
  --json FILE      write the same figures (per VM: exits per kind with VMM
                   time, MSR accesses per register, PMIs, tick stops; per
                   pool: binds, rotations) as JSON to FILE
  --tick-hz N      stop and resume each vCPU N times per second of its
                   thread's CPU time and do nothing else (1-100000): the
                   floor of a sample taken by interrupting the guest
  -h, --help       this text

exit status: the byte the guest wrote to port 0xf4 (0-124);
  125 bad usage or config, 126 guest image rejected,
  127 the VM failed (triple fault, unhandled exit, timeout, signal),
  each VMM-side status with a one-line reason on standard error.
  With several VMs: the status of the first VM that did not exit 0.
)";
}

std::string info_usage() {
    return R"(usage: vpmu info [--pmu SPEC | --pmu-file FILE] [--backend B] [--json]

Prints the CPUID leaf 0AH encoding and the PMU MSR map a guest would see
with --pmu SPEC (see 'vpmu run --help'), with the events the backend B
cannot count marked unavailable.
)";
}

}  // namespace vpmu::cli
