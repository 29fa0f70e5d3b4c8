// A deterministic CounterBackend for tests of the layers above it: counts
// only what the test says happened (advance()), reports an overflow when a
// counter's period elapses, and can be told to refuse the next start.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "vpmu/backend.h"

namespace vpmu {

class FakeBackend final : public CounterBackend {
public:
    explicit FakeBackend(std::uint32_t unavailable_events = 0) : unavailable_(unavailable_events) {}

    std::uint32_t unavailable_events() const override { return unavailable_; }
    Result<void> start(CounterId id, const CounterEvent& event, std::uint64_t period) override;
    std::uint64_t read(CounterId id) override;
    std::uint64_t stop(CounterId id) override;
    std::uint64_t take_overflows() override;
    std::uint64_t take_dropped(Error& reason) override;

    // Test controls.
    // `events` happen on a running counter (ignored when it is stopped).
    void advance(CounterId id, std::uint64_t events);
    // `events` happen on every running counter.
    void advance_all(std::uint64_t events);
    void fail_next_start(std::string reason) { fail_reason_ = std::move(reason); }
    // The backend gives up on a running counter by itself: it stops
    // counting, keeps its count for stop(), and take_dropped() reports it.
    void drop(CounterId id, std::string reason);

    bool running(CounterId id) const { return slot(id).running; }
    const CounterEvent& event(CounterId id) const { return slot(id).event; }
    std::uint64_t period(CounterId id) const { return slot(id).period; }
    unsigned starts() const { return starts_; }
    unsigned stops() const { return stops_; }

private:
    struct Slot {
        bool running = false;
        bool dropped = false;
        CounterEvent event;
        std::uint64_t period = 0;
        std::uint64_t count = 0;
    };
    Slot& slot(CounterId id) { return slots_.at(id.value); }
    const Slot& slot(CounterId id) const { return slots_.at(id.value); }

    std::uint32_t unavailable_;
    std::array<Slot, 64> slots_{};
    std::uint64_t overflowed_ = 0;
    std::uint64_t dropped_ = 0;
    std::string drop_reason_;
    std::optional<std::string> fail_reason_;
    unsigned starts_ = 0;
    unsigned stops_ = 0;
};

}  // namespace vpmu
