// The port-I/O bus: devices registered explicitly on port ranges, which may
// not be empty, run past port 0xffff or overlap (Firecracker's Bus). Ports no
// device claims behave as on a PC with nothing plugged in: reads return all
// ones, writes vanish, and both are counted.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "devices/port_device.h"
#include "vpmu/result.h"

namespace vpmu::dev {

struct PortRange {
    std::uint16_t first = 0;
    std::uint32_t size = 0;  // ports; first + size <= 0x10000
};

class PortBus {
public:
    // Registers `device` (not owned; it must outlive the bus) on `range`.
    Result<void> add(std::string name, PortRange range, PortDevice& device);

    // One port access of data.size() bytes. Returns false when no device
    // claims `port` (the access was answered with all ones / dropped).
    bool read(std::uint16_t port, std::span<std::uint8_t> data, const IoContext& ctx);
    bool write(std::uint16_t port, std::span<const std::uint8_t> data, const IoContext& ctx);

    // The name of the device on `port`, or nullptr.
    const std::string* device_name(std::uint16_t port) const;

private:
    struct Entry {
        std::string name;
        PortRange range;
        PortDevice* device;
        // Devices are written single-threaded; vCPUs of one VM take turns.
        std::unique_ptr<std::mutex> lock;
    };
    const Entry* find(std::uint16_t port) const;

    std::vector<Entry> entries_;  // sorted by range.first
};

}  // namespace vpmu::dev
