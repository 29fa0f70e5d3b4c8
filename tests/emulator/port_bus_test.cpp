#include "devices/port_bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace vpmu::dev {
namespace {

// Records what reaches it; answers reads with its offset.
class RecordingDevice final : public PortDevice {
public:
    void read(std::uint16_t offset, std::span<std::uint8_t> data, const IoContext&) override {
        set_io_value(data, offset);
    }
    void write(std::uint16_t offset, std::span<const std::uint8_t> data, const IoContext& ctx) override {
        writes.push_back({offset, io_value(data), ctx.vcpu});
    }
    struct Write {
        std::uint16_t offset;
        std::uint32_t value;
        unsigned vcpu;
        friend bool operator==(const Write&, const Write&) = default;
    };
    std::vector<Write> writes;
};

TEST(PortBus, RejectsEmptyAndOverflowingRanges) {
    PortBus bus;
    RecordingDevice d;
    auto empty = bus.add("empty", {0x100, 0}, d);
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
    auto past_end = bus.add("tail", {0xfff0, 0x20}, d);
    ASSERT_FALSE(past_end.ok());
    EXPECT_NE(past_end.error().message.find("0xffff"), std::string::npos);
    EXPECT_TRUE(bus.add("last", {0xfff0, 0x10}, d).ok());
}

TEST(PortBus, RejectsOverlapsNamingBothDevices) {
    PortBus bus;
    RecordingDevice a, b;
    ASSERT_TRUE(bus.add("uart", {0x3f8, 8}, a).ok());
    for (PortRange r : {PortRange{0x3f8, 1}, PortRange{0x3ff, 1}, PortRange{0x3f0, 9},
                        PortRange{0x3f0, 0x100}, PortRange{0x3fa, 2}}) {
        auto overlap = bus.add("other", r, b);
        ASSERT_FALSE(overlap.ok()) << "range at " << r.first << " size " << r.size;
        EXPECT_NE(overlap.error().message.find("'uart'"), std::string::npos);
        EXPECT_NE(overlap.error().message.find("'other'"), std::string::npos);
    }
    EXPECT_TRUE(bus.add("below", {0x3f0, 8}, b).ok());  // adjacent is fine
    EXPECT_TRUE(bus.add("above", {0x400, 1}, b).ok());
}

TEST(PortBus, RoutesByRangeWithOffsets) {
    PortBus bus;
    RecordingDevice a, b;
    ASSERT_TRUE(bus.add("b", {0x600, 16}, b).ok());
    ASSERT_TRUE(bus.add("a", {0x3f8, 8}, a).ok());  // registered out of order
    const std::uint8_t byte[1] = {0x41};
    EXPECT_TRUE(bus.write(0x3f8, byte, IoContext{0}));
    EXPECT_TRUE(bus.write(0x3ff, byte, IoContext{1}));
    EXPECT_TRUE(bus.write(0x60c, byte, IoContext{2}));
    EXPECT_EQ(a.writes, (std::vector<RecordingDevice::Write>{{0, 0x41, 0}, {7, 0x41, 1}}));
    EXPECT_EQ(b.writes, (std::vector<RecordingDevice::Write>{{12, 0x41, 2}}));

    std::uint8_t word[2] = {};
    EXPECT_TRUE(bus.read(0x605, word, IoContext{}));
    EXPECT_EQ(word[0], 5);
    ASSERT_NE(bus.device_name(0x3fc), nullptr);
    EXPECT_EQ(*bus.device_name(0x3fc), "a");
    EXPECT_EQ(bus.device_name(0x400), nullptr);
}

TEST(PortBus, UnclaimedPortsReadAllOnesAndDropWrites) {
    PortBus bus;
    RecordingDevice a;
    ASSERT_TRUE(bus.add("a", {0x3f8, 8}, a).ok());
    std::uint8_t data[4] = {1, 2, 3, 4};
    EXPECT_FALSE(bus.read(0x3f7, data, IoContext{}));
    EXPECT_EQ(data[0], 0xff);
    EXPECT_EQ(data[3], 0xff);
    EXPECT_FALSE(bus.read(0x400, data, IoContext{}));
    EXPECT_FALSE(bus.write(0x80, data, IoContext{}));
    EXPECT_TRUE(a.writes.empty());
}

}  // namespace
}  // namespace vpmu::dev
