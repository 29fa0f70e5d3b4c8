// A device on the port-I/O bus. The bus hands it one access at a time (it
// holds the device's lock), at an offset from the start of its range, with
// the accessing vCPU's index for devices that keep per-vCPU state.
#pragma once

#include <cstdint>
#include <span>

namespace vpmu::dev {

struct IoContext {
    unsigned vcpu = 0;
};

class PortDevice {
public:
    virtual ~PortDevice() = default;
    // Fill `data` (1, 2 or 4 bytes, little-endian) with the value read.
    virtual void read(std::uint16_t offset, std::span<std::uint8_t> data, const IoContext& ctx) = 0;
    virtual void write(std::uint16_t offset, std::span<const std::uint8_t> data,
                       const IoContext& ctx) = 0;
};

// Little-endian helpers for the 1/2/4-byte values of port I/O.
inline std::uint32_t io_value(std::span<const std::uint8_t> data) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < data.size() && i < 4; ++i) v |= std::uint32_t{data[i]} << (8 * i);
    return v;
}
inline void set_io_value(std::span<std::uint8_t> data, std::uint32_t v) {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = i < 4 ? (v >> (8 * i)) & 0xff : 0;
}

}  // namespace vpmu::dev
