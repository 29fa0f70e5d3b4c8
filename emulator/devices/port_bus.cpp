#include "devices/port_bus.h"

#include <algorithm>
#include <cstdio>

namespace vpmu::dev {

namespace {

constexpr std::uint32_t kPortSpace = 0x10000;

std::string range_text(PortRange r) {
    char text[40];
    std::snprintf(text, sizeof text, "[0x%x, 0x%x)", r.first, r.first + r.size);
    return text;
}

}  // namespace

Result<void> PortBus::add(std::string name, PortRange range, PortDevice& device) {
    if (range.size == 0) return make_error("device '" + name + "': empty port range");
    if (range.first + range.size > kPortSpace) {
        return make_error("device '" + name + "': port range " + range_text(range) +
                          " runs past port 0xffff");
    }
    for (const Entry& e : entries_) {
        const bool disjoint = range.first + range.size <= e.range.first ||
                              e.range.first + e.range.size <= range.first;
        if (!disjoint) {
            return make_error("device '" + name + "' at " + range_text(range) + " overlaps '" +
                              e.name + "' at " + range_text(e.range));
        }
    }
    Entry entry{std::move(name), range, &device, std::make_unique<std::mutex>()};
    auto at = std::upper_bound(entries_.begin(), entries_.end(), range.first,
                               [](std::uint16_t port, const Entry& e) { return port < e.range.first; });
    entries_.insert(at, std::move(entry));
    return {};
}

const PortBus::Entry* PortBus::find(std::uint16_t port) const {
    // The last range starting at or below `port`, if it reaches `port`.
    auto after = std::upper_bound(entries_.begin(), entries_.end(), port,
                                  [](std::uint16_t p, const Entry& e) { return p < e.range.first; });
    if (after == entries_.begin()) return nullptr;
    const Entry& e = *std::prev(after);
    return static_cast<std::uint32_t>(port - e.range.first) < e.range.size ? &e : nullptr;
}

bool PortBus::read(std::uint16_t port, std::span<std::uint8_t> data, const IoContext& ctx) {
    const Entry* e = find(port);
    if (e == nullptr) {
        std::fill(data.begin(), data.end(), 0xff);
        return false;
    }
    std::lock_guard lock(*e->lock);
    e->device->read(static_cast<std::uint16_t>(port - e->range.first), data, ctx);
    return true;
}

bool PortBus::write(std::uint16_t port, std::span<const std::uint8_t> data, const IoContext& ctx) {
    const Entry* e = find(port);
    if (e == nullptr) return false;
    std::lock_guard lock(*e->lock);
    e->device->write(static_cast<std::uint16_t>(port - e->range.first), data, ctx);
    return true;
}

const std::string* PortBus::device_name(std::uint16_t port) const {
    const Entry* e = find(port);
    return e != nullptr ? &e->name : nullptr;
}

}  // namespace vpmu::dev
