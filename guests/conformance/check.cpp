#include "check.h"

#include "rt/rt.h"

namespace conf {
namespace {

// "0x1f", "#GP" or "#UD (vector 6)".
void describe(const Access& a, char* buf, unsigned size) {
    if (!a.faulted) rt::snprintf(buf, size, "0x%lx", a.value);
    else if (a.vector == kGp) rt::snprintf(buf, size, "#GP");
    else rt::snprintf(buf, size, "%s (vector %lu)", rt::exception_name(a.vector), a.vector);
}

bool is_gp(const Access& a) { return a.faulted && a.vector == kGp; }

bool vreport(bool pass, const char* detail, const char* fmt, va_list ap) {
    char desc[160];
    rt::vsnprintf(desc, sizeof desc, fmt, ap);
    return rt::tap::report(pass, detail, "%s", desc);
}

}  // namespace

bool expect_read(uint32_t msr, uint64_t want, const char* fmt, ...) {
    Access a = rd(msr);
    char got[48], detail[96];
    describe(a, got, sizeof got);
    rt::snprintf(detail, sizeof detail, "RDMSR 0x%x got %s, want 0x%lx", msr, got, want);
    va_list ap;
    va_start(ap, fmt);
    bool pass = vreport(!a.faulted && a.value == want, detail, fmt, ap);
    va_end(ap);
    return pass;
}

bool expect_write_read(uint32_t msr, uint64_t value, uint64_t want, const char* fmt, ...) {
    Access w = wr(msr, value);
    Access r = rd(msr);
    char got[48], detail[128];
    if (w.faulted) {
        describe(w, got, sizeof got);
        rt::snprintf(detail, sizeof detail, "WRMSR 0x%x <- 0x%lx got %s, want accepted", msr, value, got);
    } else {
        describe(r, got, sizeof got);
        rt::snprintf(detail, sizeof detail, "WRMSR 0x%x <- 0x%lx then RDMSR got %s, want 0x%lx", msr, value,
                     got, want);
    }
    va_list ap;
    va_start(ap, fmt);
    bool pass = vreport(!w.faulted && !r.faulted && r.value == want, detail, fmt, ap);
    va_end(ap);
    return pass;
}

bool expect_write(uint32_t msr, uint64_t value, const char* fmt, ...) {
    Access w = wr(msr, value);
    char got[48], detail[96];
    describe(w, got, sizeof got);
    rt::snprintf(detail, sizeof detail, "WRMSR 0x%x <- 0x%lx got %s, want accepted", msr, value, got);
    va_list ap;
    va_start(ap, fmt);
    bool pass = vreport(!w.faulted, detail, fmt, ap);
    va_end(ap);
    return pass;
}

bool expect_write_gp(uint32_t msr, uint64_t value, const char* fmt, ...) {
    Access w = wr(msr, value);
    char got[48], detail[96];
    rt::snprintf(got, sizeof got, "%s", w.faulted ? "" : "accepted");
    if (w.faulted) describe(w, got, sizeof got);
    rt::snprintf(detail, sizeof detail, "WRMSR 0x%x <- 0x%lx got %s, want #GP", msr, value, got);
    va_list ap;
    va_start(ap, fmt);
    bool pass = vreport(is_gp(w), detail, fmt, ap);
    va_end(ap);
    return pass;
}

bool expect_absent(uint32_t first, unsigned count, const char* fmt, ...) {
    char detail[96] = "";
    bool pass = true;
    for (uint32_t m = first; m < first + count && pass; ++m) {
        char got[48];
        Access r = rd(m);
        if (!is_gp(r)) {
            describe(r, got, sizeof got);
            rt::snprintf(detail, sizeof detail, "RDMSR 0x%x got %s, want #GP", m, got);
            pass = false;
            break;
        }
        Access w = wr(m, 0);
        if (!is_gp(w)) {
            if (w.faulted) describe(w, got, sizeof got);
            else rt::snprintf(got, sizeof got, "accepted");
            rt::snprintf(detail, sizeof detail, "WRMSR 0x%x <- 0 got %s, want #GP", m, got);
            pass = false;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    pass = vreport(pass, detail, fmt, ap);
    va_end(ap);
    return pass;
}

namespace {

// Shared by expect_reserved and expect_reserved_wo: fills detail on failure.
bool reserved_bits(uint32_t msr, uint64_t base, uint64_t reserved, uint32_t readback, uint64_t want, bool write_base,
                   char* detail, unsigned size) {
    if (write_base) {
        Access w = wr(msr, base);
        if (w.faulted) {
            rt::snprintf(detail, size, "WRMSR 0x%x <- 0x%lx (no reserved bit) faulted", msr, base);
            return false;
        }
    }
    for (unsigned bit = 0; bit < 64; ++bit) {
        uint64_t b = uint64_t(1) << bit;
        if (!(reserved & b)) continue;
        Access f = wr(msr, base | b);
        Access r = rd(readback);
        char got[48];
        if (!is_gp(f)) {
            if (f.faulted) describe(f, got, sizeof got);
            else rt::snprintf(got, sizeof got, "accepted");
            rt::snprintf(detail, size, "reserved bit %u: WRMSR 0x%x <- 0x%lx got %s, want #GP", bit, msr, base | b,
                         got);
            return false;
        }
        if (r.faulted || r.value != want) {
            describe(r, got, sizeof got);
            rt::snprintf(detail, size, "after the #GP of bit %u, RDMSR 0x%x got %s, want 0x%lx", bit, readback, got,
                         want);
            return false;
        }
    }
    return true;
}

}  // namespace

bool expect_reserved(uint32_t msr, uint64_t base, uint64_t reserved, const char* fmt, ...) {
    char detail[128] = "";
    bool pass = reserved_bits(msr, base, reserved, msr, base, true, detail, sizeof detail);
    va_list ap;
    va_start(ap, fmt);
    pass = vreport(pass, detail, fmt, ap);
    va_end(ap);
    return pass;
}

bool expect_reserved_wo(uint32_t msr, uint64_t reserved, uint32_t readback, uint64_t readback_value,
                        const char* fmt, ...) {
    char detail[128] = "";
    bool pass = reserved_bits(msr, 0, reserved, readback, readback_value, false, detail, sizeof detail);
    va_list ap;
    va_start(ap, fmt);
    pass = vreport(pass, detail, fmt, ap);
    va_end(ap);
    return pass;
}

void setup_write(uint32_t msr, uint64_t value) {
    Access w = wr(msr, value);
    if (w.faulted) {
        rt::tap::report(false, nullptr, "setup: WRMSR 0x%x <- 0x%lx faulted (vector %lu)", msr, value, w.vector);
    }
}

}  // namespace conf
