// The guest's own clock: nanoseconds since the guest booted, from the TSC
// and the guest's own idea of the TSC frequency. It is not the host's
// clock, and nothing here makes it one: its origin is the TSC read when
// the runtime started (rt_boot), its rate is what the guest calibrated, so
// it has a real offset from the host's clock and drifts by the calibration
// error, as a guest kernel's clock does (Gebai 2014, ch. 3). The trace
// synchronizer recovers both.
//
// Calibration sources:
//   apic  the local APIC timer, counting at KVM's fixed 1 GHz bus rate
//         (APIC_BUS_CYCLE_NS = 1; QEMU's APIC counts in ns too): TSC and
//         the timer's current count are read side by side at both ends of
//         a window of `calibrate_ms`, each read bracketed by two RDTSCs so
//         its uncertainty is known. Linux calibrates against the PIT or
//         HPET the same way. The default.
//   vmm   the VMM's tsc_khz hypercall (KVM_GET_TSC_KHZ), 1 kHz resolution.
//
// CPL0 for clock_init (the apic source uses the APIC timer for the window
// and leaves it stopped, its LVT entry as it found it); clock_ns and the
// conversion work in user tasks too (RDTSC is allowed at CPL3).
#pragma once

#include <stdint.h>

namespace rt {

enum class ClockSource : uint8_t { none, apic, vmm };

struct ClockCalibration {
    ClockSource source = ClockSource::none;
    uint64_t tsc_hz = 0;       // the guest's estimate of the TSC frequency
    uint64_t tsc_origin = 0;   // TSC at the guest's boot: clock_ns() == 0 there
    uint64_t window_ns = 0;    // apic: the calibration window on the APIC timer
    uint64_t read_error_tsc = 0;  // apic: worst RDTSC bracket of one read (TSC ticks)
    uint64_t mult = 0;         // ns = (tsc - origin) * mult >> 32
};

// The TSC when the runtime started: the clock's zero.
uint64_t boot_tsc();

// Calibrates once (later calls return the first result). `calibrate_ms`
// only matters for the APIC source. False when the source is unusable
// (no APIC timer progress, or the hypercall is not answered).
bool clock_init(ClockSource source, uint32_t calibrate_ms = 50);
const ClockCalibration& clock_calibration();

// Guest ns since boot (0 before clock_init).
inline uint64_t clock_ns_from_tsc(uint64_t tsc) {
    const ClockCalibration& c = clock_calibration();
    const unsigned __int128 product = (unsigned __int128)(tsc - c.tsc_origin) * c.mult;
    return uint64_t(product >> 32);
}
uint64_t clock_ns();
// A TSC interval in guest ns.
inline uint64_t clock_ticks_to_ns(uint64_t ticks) {
    return uint64_t(((unsigned __int128)ticks * clock_calibration().mult) >> 32);
}

// "apic" / "vmm" / "none"; and the reverse (none for unknown text).
const char* clock_source_name(ClockSource source);
ClockSource clock_source_from(const char* text);

}  // namespace rt
