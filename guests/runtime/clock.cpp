// The guest clock (rt/clock.h): TSC origin at boot, frequency calibrated
// by the guest.
#include "rt/clock.h"

#include "rt/apic.h"
#include "rt/boot.h"
#include "rt/cpu.h"
#include "rt/libc.h"

namespace rt {
namespace {

// Local APIC timer registers (SDM Vol. 3A 11.5.4).
constexpr uint32_t kApicTimerInitial = 0x380, kApicTimerCurrent = 0x390, kApicTimerDivide = 0x3E0;
constexpr uint32_t kDivideBy1 = 0xB;
constexpr uint64_t kApicBusHz = 1000000000;  // KVM's APIC_BUS_CYCLE_NS = 1

ClockCalibration calibration;
bool calibrated;

// One side-by-side read of the TSC and the APIC timer's current count:
// the TSC at the middle of the bracket, and the bracket's width.
struct Pair {
    uint64_t tsc;
    uint32_t count;
    uint64_t width;
};

Pair read_pair() {
    Pair best{0, 0, ~0ull};
    // The narrowest of a few brackets: an exit or an interrupt in one
    // widens it, and the width bounds that read's error.
    for (int i = 0; i < 5; ++i) {
        const uint64_t before = rdtsc();
        const uint32_t count = apic_read(kApicTimerCurrent);
        const uint64_t after = rdtsc();
        if (after - before < best.width) best = {before + (after - before) / 2, count, after - before};
    }
    return best;
}

bool calibrate_apic(uint32_t calibrate_ms) {
    apic_init();
    const uint32_t saved_lvt = apic_read(kApicLvtTimer);
    apic_write(kApicLvtTimer, kLvtMasked);  // one-shot, masked: count, never interrupt
    apic_write(kApicTimerDivide, kDivideBy1);
    apic_write(kApicTimerInitial, 0xFFFFFFFFu);
    const Pair start = read_pair();
    const uint64_t window = uint64_t(calibrate_ms) * (kApicBusHz / 1000);
    while (uint64_t(start.count - apic_read(kApicTimerCurrent)) < window) pause();
    const Pair end = read_pair();
    apic_write(kApicTimerInitial, 0);
    apic_write(kApicLvtTimer, saved_lvt);
    const uint64_t ticks = start.count - end.count;  // counts down
    if (ticks == 0 || end.tsc <= start.tsc) return false;
    // 64-bit arithmetic (no 128-bit division without libgcc): Δtsc · 1e9
    // fits for windows up to a second at TSC rates up to 18 GHz.
    calibration.tsc_hz = (end.tsc - start.tsc) * kApicBusHz / ticks;
    calibration.window_ns = ticks * (1000000000 / kApicBusHz);
    calibration.read_error_tsc = start.width > end.width ? start.width : end.width;
    return calibration.tsc_hz != 0;
}

bool calibrate_vmm() {
    const uint32_t khz = hypercall(kHypercallTscKhz);
    if (khz == 0 || khz == 0xffffffffu) return false;
    calibration.tsc_hz = uint64_t(khz) * 1000;
    return true;
}

}  // namespace

bool clock_init(ClockSource source, uint32_t calibrate_ms) {
    if (calibrated) return calibration.source != ClockSource::none;
    calibrated = true;
    calibration.tsc_origin = boot_tsc();
    if (calibrate_ms == 0) calibrate_ms = 1;
    if (calibrate_ms > 1000) calibrate_ms = 1000;
    const bool ok = source == ClockSource::apic ? calibrate_apic(calibrate_ms)
                    : source == ClockSource::vmm ? calibrate_vmm()
                                                 : false;
    if (!ok) {
        calibration = ClockCalibration{};
        calibration.tsc_origin = boot_tsc();
        return false;
    }
    calibration.source = source;
    // 2^32 * 1e9 / hz: fits 64 bits for any TSC above 1 Hz.
    calibration.mult = (uint64_t(1000000000) << 32) / calibration.tsc_hz;
    return true;
}

const ClockCalibration& clock_calibration() { return calibration; }

uint64_t clock_ns() { return clock_ns_from_tsc(rdtsc()); }

const char* clock_source_name(ClockSource source) {
    switch (source) {
    case ClockSource::apic: return "apic";
    case ClockSource::vmm: return "vmm";
    case ClockSource::none: break;
    }
    return "none";
}

ClockSource clock_source_from(const char* text) {
    if (!strcmp(text, "apic")) return ClockSource::apic;
    if (!strcmp(text, "vmm")) return ClockSource::vmm;
    return ClockSource::none;
}

}  // namespace rt
