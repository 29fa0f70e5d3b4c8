// Small formatting helpers shared by the model's messages and descriptions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vpmu {

inline std::string hex(std::uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
    return buf;
}

}  // namespace vpmu
