// The workloads. Guest builds compile this as user code (SSE allowed); the
// functions the profiler must tell apart are noipa so GCC neither inlines
// nor merges them (-fipa-icf would fold computea and computeb into one).
#include "workloads.h"

namespace wl {
namespace {

bool same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

// arctan(1/x) = sum (-1)^k / ((2k+1) x^(2k+1)), `terms` terms.
__attribute__((noipa)) double arctan_inverse(double x, unsigned terms) {
    const double x2 = x * x;
    double power = x, sum = 0;
    for (unsigned k = 0; k < terms; ++k) {
        const double term = 1.0 / ((2.0 * k + 1.0) * power);
        sum += (k & 1) ? -term : term;
        power *= x2;
    }
    return sum;
}

constexpr unsigned kMatrix = 128;
double g_a[kMatrix][kMatrix], g_b[kMatrix][kMatrix], g_r[kMatrix][kMatrix];

__attribute__((noipa)) void matrix_multiply() {
    for (unsigned i = 0; i < kMatrix; ++i) {
        for (unsigned j = 0; j < kMatrix; ++j) {
            double sum = 0;
            for (unsigned k = 0; k < kMatrix; ++k) sum += g_a[i][k] * g_b[k][j];
            g_r[i][j] = sum;
        }
    }
}

__attribute__((noipa)) uint16_t crc16_ccitt(const uint8_t* data, unsigned n) {
    uint16_t crc = 0xFFFF;
    for (unsigned i = 0; i < n; ++i) {
        crc = static_cast<uint16_t>(crc ^ (data[i] << 8));
        for (int bit = 0; bit < 8; ++bit) {
            crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        }
    }
    return crc;
}

__attribute__((noipa)) uint64_t ackermann_fn(uint64_t m, uint64_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann_fn(m - 1, 1);
    return ackermann_fn(m - 1, ackermann_fn(m, n - 1));
}

// The floating-point kernel of computea/computeb: ~1 ms per unit natively.
inline double compute_kernel(uint64_t units, double seed) {
    double x = seed, y = 1.0;
    for (uint64_t i = 0; i < units * 350000; ++i) {
        x = x * 1.0000001 + 0.5;
        y = y * 0.9999999 + x * 1e-9;
        if (x > 1e6) x -= 1e6;
    }
    return x + y;
}

__attribute__((noipa)) uint64_t chase(const uint8_t* base, uint64_t hops) {
    uint64_t at = 0;
    for (uint64_t i = 0; i < hops; ++i) at = *reinterpret_cast<const uint64_t*>(base + at);
    return at;
}

}  // namespace

uint64_t pi(const Params& p) {
    uint64_t h = 0;
    for (uint64_t i = 0; i < p.scale; ++i) {
        // pi = 16 atan(1/5) - 4 atan(1/239), recomputed 40000 times per unit.
        for (int r = 0; r < 40000; ++r) {
            const double value = 16 * arctan_inverse(5.0 + r * 1e-12, 120) - 4 * arctan_inverse(239.0, 60);
            h = mix(h, static_cast<uint64_t>(value * 1e12));
        }
    }
    return h;
}

uint64_t matrixprod(const Params& p) {
    for (unsigned i = 0; i < kMatrix; ++i) {
        for (unsigned j = 0; j < kMatrix; ++j) {
            g_a[i][j] = 1.0 / (i + j + 1);
            g_b[i][j] = (i == j) ? 2.0 : 0.001 * (i + 1);
        }
    }
    uint64_t h = 0;
    for (uint64_t i = 0; i < p.scale * 11; ++i) {
        matrix_multiply();
        h = mix(h, static_cast<uint64_t>(g_r[i % kMatrix][(i * 7) % kMatrix] * 1e9));
    }
    return h;
}

uint64_t crc16(const Params& p) {
    uint8_t data[1024];
    uint64_t state = 0x2545F4914F6CDD1Dull;
    for (uint8_t& byte : data) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        byte = static_cast<uint8_t>(state >> 56);
    }
    uint64_t h = 0;
    for (uint64_t i = 0; i < p.scale * 1400; ++i) {
        data[i % sizeof data] = static_cast<uint8_t>(i);
        h = mix(h, crc16_ccitt(data, sizeof data));
    }
    return h;
}

uint64_t ackermann(const Params& p) {
    uint64_t h = 0;
    for (uint64_t i = 0; i < p.scale * 13; ++i) h = mix(h, ackermann_fn(3, 7));
    return h;
}

__attribute__((noipa)) uint64_t computea(uint64_t units) {
    return static_cast<uint64_t>(compute_kernel(units, 0.25) * 1e6);
}

__attribute__((noipa)) uint64_t computeb(uint64_t units) {
    return static_cast<uint64_t>(compute_kernel(units, 0.75) * 1e6);
}

uint64_t compute(const Params& p) {
    // Interleaved in slices of 10 units, so any stretch of the run shows the split.
    uint64_t h = 0;
    for (uint64_t i = 0; i < p.scale; ++i) {
        h = mix(h, computea(kComputeaShare / 10));
        h = mix(h, computeb((100 - kComputeaShare) / 10));
    }
    return h;
}

uint64_t memsweep(const Params& p) {
    constexpr uint64_t kLine = 64;
    uint64_t lines = p.working_set / kLine;
    if (lines < 2 || p.working_set > p.buffer_bytes) return 0;
    // A single cycle through every line in pseudo-random order (Sattolo's
    // shuffle of the line indices, built in place as next-pointers).
    auto next = [&](uint64_t line) { return reinterpret_cast<uint64_t*>(p.buffer + line * kLine); };
    for (uint64_t i = 0; i < lines; ++i) *next(i) = i;
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (uint64_t i = lines - 1; i > 0; --i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t j = (state >> 11) % i;
        const uint64_t t = *next(i);
        *next(i) = *next(j);
        *next(j) = t;
    }
    for (uint64_t i = 0; i < lines; ++i) *next(i) *= kLine;  // indices -> byte offsets
    return chase(p.buffer, p.scale * kMemsweepHopsPerUnit);
}

const Workload kWorkloads[] = {
    {"pi", pi, "Machin's formula for pi by arctangent series (doubles)"},
    {"matrixprod", matrixprod, "128x128 double matrix product"},
    {"crc16", crc16, "CCITT CRC-16 of 1 KiB"},
    {"ackermann", ackermann, "Ackermann A(3,7) by recursion"},
    {"compute", compute, "computea/computeb, a 70/30 split of one FP kernel"},
    {"memsweep", memsweep, "random pointer chase through a working set"},
    {nullptr, nullptr, nullptr},
};

const Workload* find(const char* name) {
    for (const Workload* w = kWorkloads; w->name; ++w) {
        if (same(w->name, name)) return w;
    }
    return nullptr;
}

}  // namespace wl
