// Conformance of the guest-visible PMU to the Intel SDM: reads CPUID.0AH,
// derives what every PMU MSR must do from it (never from a configuration),
// checks it, prints one TAP line per check and exits with the number of
// failures. The same image passes for every PMU the VMM can expose.
#include "checks.h"
#include "rt/rt.h"

int guest_main() {
    using namespace conf;
    rt::printf("# vpmu conformance: PMU MSRs against CPUID.0AH (Intel SDM Vol. 3B ch. 21, Vol. 4)\n");
    Pmu p = read_pmu();
    check_cpuid(p);
    check_perf_capabilities(p);
    if (p.version == 0) {
        check_pmu_off(p);
        return rt::tap::finish();
    }
    check_reset_values(p);  // before anything is written
    check_absent_msrs(p);
    check_gp_counters(p);
    check_fixed_counters(p);
    if (p.version >= 2) {
        check_fixed_ctr_ctrl(p);
        check_global_ctrl(p);
        check_global_status(p);
    }
    if (p.version >= 4) check_global_inuse(p);
    check_disabled_counters(p);
    check_pmi(p);
    return rt::tap::finish();
}
