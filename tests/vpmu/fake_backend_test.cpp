#include "vpmu/fake_backend.h"

#include <gtest/gtest.h>

namespace vpmu {
namespace {

constexpr CounterId kPmc0 = CounterId::gp(0);
constexpr CounterId kFixed1 = CounterId::fixed(1);

TEST(FakeBackendTest, CountsOnlyWhileRunning) {
    FakeBackend backend;
    backend.advance(kPmc0, 5);
    ASSERT_TRUE(backend.start(kPmc0, CounterEvent{}, 100).ok());
    backend.advance(kPmc0, 7);
    EXPECT_EQ(backend.read(kPmc0), 7u);
    EXPECT_EQ(backend.stop(kPmc0), 7u);
    backend.advance(kPmc0, 3);
    EXPECT_EQ(backend.read(kPmc0), 0u);
}

TEST(FakeBackendTest, ReportsOverflowOnceWhenPeriodElapses) {
    FakeBackend backend;
    ASSERT_TRUE(backend.start(kFixed1, CounterEvent{}, 10).ok());
    backend.advance(kFixed1, 9);
    EXPECT_EQ(backend.take_overflows(), 0u);
    backend.advance(kFixed1, 1);
    EXPECT_EQ(backend.take_overflows(), kFixed1.bit());
    backend.advance(kFixed1, 50);
    EXPECT_EQ(backend.take_overflows(), 0u);
}

TEST(FakeBackendTest, RefusesUnavailableEventsAndInjectedFailures) {
    FakeBackend backend(event_bit(ArchEvent::instructions));
    CounterEvent instructions{ArchEvent::instructions, 0xC0, true, true};
    auto refused = backend.start(kPmc0, instructions, 1);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("Instructions Retired"), std::string::npos);

    backend.fail_next_start("host said no");
    auto failed = backend.start(kPmc0, CounterEvent{}, 1);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message, "host said no");
    EXPECT_TRUE(backend.start(kPmc0, CounterEvent{}, 1).ok());
}

}  // namespace
}  // namespace vpmu
