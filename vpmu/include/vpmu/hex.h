// "0x..." text for addresses, register values and masks in messages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vpmu {

inline std::string to_hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

}  // namespace vpmu
