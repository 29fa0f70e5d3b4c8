// The groups of checks, in the order main.cpp runs them. Reset values come
// first, before anything is written.
#pragma once

#include "pmu.h"

namespace conf {

void check_cpuid(const Pmu& p);               // cpuid_checks.cpp
void check_perf_capabilities(const Pmu& p);   // cpuid_checks.cpp
void check_pmu_off(const Pmu& p);             // cpuid_checks.cpp
void check_reset_values(const Pmu& p);        // counter_checks.cpp
void check_absent_msrs(const Pmu& p);         // counter_checks.cpp
void check_gp_counters(const Pmu& p);         // counter_checks.cpp
void check_fixed_counters(const Pmu& p);      // counter_checks.cpp
void check_fixed_ctr_ctrl(const Pmu& p);      // global_checks.cpp
void check_global_ctrl(const Pmu& p);         // global_checks.cpp
void check_global_status(const Pmu& p);       // global_checks.cpp
void check_global_inuse(const Pmu& p);        // global_checks.cpp
void check_disabled_counters(const Pmu& p);   // disabled_checks.cpp
void check_pmi(const Pmu& p);                 // pmi_checks.cpp

}  // namespace conf
