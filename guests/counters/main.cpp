// Counters guest entry: `mode=` on the command line picks the measurement.
//
//   mode=cycles        cycles counted over windows of a user-mode loop, next
//                      to the TSC (time backend, multiplexing, shared pools,
//                      refused counters, counting overhead); cycles.cpp
//   mode=exact         instructions and branches of a known CPL0 loop
//                      (precise backend); exact.cpp
//   mode=precise-user  an instructions counter left running over a user
//                      task (the precise backend must refuse); exact.cpp
//   mode=pmi-latency   cycles overflow -> PMI handler, in TSC ticks;
//                      pmi_latency.cpp
#include "counters.h"
#include "rt/rt.h"

namespace ctr {

uint64_t Pmu::gp_mask() const { return gp_width >= 64 ? ~uint64_t(0) : (uint64_t(1) << gp_width) - 1; }
uint64_t Pmu::fixed_mask() const {
    return fixed_width >= 64 ? ~uint64_t(0) : (uint64_t(1) << fixed_width) - 1;
}

Pmu read_pmu() {
    Pmu p;
    if (rt::cpuid(0).eax < 0xA) return p;
    const rt::CpuidRegs r = rt::cpuid(0xA);
    p.version = r.eax & 0xFF;
    if (p.version == 0) return p;
    p.gp = r.eax >> 8 & 0xFF;
    p.gp_width = r.eax >> 16 & 0xFF;
    p.ebx_length = r.eax >> 24;
    p.ebx = r.ebx;
    if (p.version >= 2) {
        p.fixed = r.edx & 0x1F;
        p.fixed_width = r.edx >> 5 & 0xFF;
    }
    return p;
}

uint64_t spin(uint64_t iterations) {
    if (iterations == 0) return 0;
    __asm__ volatile("1: dec %0\n jnz 1b" : "+r"(iterations));
    return iterations;
}

uint64_t tsc_khz() { return rt::under_vpmu() ? rt::hypercall(rt::kHypercallTscKhz) : 0; }

}  // namespace ctr

int guest_main() {
    char mode[32] = "";
    rt::cmdline_value("mode", mode, sizeof mode);
    const ctr::Pmu p = ctr::read_pmu();
    rt::printf("pmu version=%u gp=%u gp_width=%u fixed=%u fixed_width=%u ebx=%u tsc_khz=%lu\n", p.version,
               p.gp, p.gp_width, p.fixed, p.fixed_width, p.ebx, static_cast<unsigned long>(ctr::tsc_khz()));
    if (!strcmp(mode, "cycles")) return ctr::run_cycles(p);
    if (!strcmp(mode, "exact")) return ctr::run_exact(p);
    if (!strcmp(mode, "precise-user")) return ctr::run_precise_user(p);
    if (!strcmp(mode, "pmi-latency")) return ctr::run_pmi_latency(p);
    rt::printf("error reason=unknown-mode mode=%s\n", mode);
    return 2;
}
