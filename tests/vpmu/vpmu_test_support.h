// Shared fixture pieces for the Vpmu tests: a model on a FakeBackend and
// short names for MSR access.
#pragma once

#include <cctype>
#include <cstdint>
#include <ostream>
#include <optional>
#include <string>

#include "vpmu/fake_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu::testing {

inline std::uint64_t mask_of(unsigned bits) {
    return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

class ModelHarness {
protected:
    std::optional<std::uint64_t> rd(std::uint32_t m) { return pmu.rdmsr(MsrIndex{m}); }
    Access wr(std::uint32_t m, std::uint64_t v) { return pmu.wrmsr(MsrIndex{m}, v); }
    bool rd_faults(std::uint32_t m) { return !rd(m).has_value(); }
    bool wr_faults(std::uint32_t m, std::uint64_t v) { return wr(m, v) == Access::fault; }

    FakeBackend backend;
    Vpmu pmu{backend};
};

// gtest parameter names must be alphanumeric.
inline std::string spec_name(const PmuConfig& c) {
    std::string name = c.to_spec();
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

}  // namespace vpmu::testing

namespace vpmu {
// Readable gtest output for parameterised configs.
inline void PrintTo(const PmuConfig& c, std::ostream* os) { *os << c.to_spec(); }
}  // namespace vpmu
