#include "vpmu/fake_backend.h"

namespace vpmu {

Result<void> FakeBackend::start(CounterId id, const CounterEvent& event, std::uint64_t period) {
    if (fail_reason_) {
        Error error{*fail_reason_};
        fail_reason_.reset();
        return error;
    }
    if (event.arch && (unavailable_ & event_bit(*event.arch))) {
        return make_error("fake backend: " + std::string(arch_event_info(*event.arch).name) +
                          " is not available");
    }
    Slot& s = slot(id);
    s = Slot{true, false, event, period, 0};
    dropped_ &= ~id.bit();
    ++starts_;
    return {};
}

std::uint64_t FakeBackend::read(CounterId id) { return slot(id).count; }

std::uint64_t FakeBackend::stop(CounterId id) {
    Slot& s = slot(id);
    std::uint64_t count = (s.running || s.dropped) ? s.count : 0;
    s.running = s.dropped = false;
    s.count = 0;
    overflowed_ &= ~id.bit();
    ++stops_;
    return count;
}

std::uint64_t FakeBackend::take_overflows() {
    std::uint64_t overflowed = overflowed_;
    overflowed_ = 0;
    return overflowed;
}

std::uint64_t FakeBackend::take_dropped(Error& reason) {
    std::uint64_t dropped = dropped_;
    dropped_ = 0;
    if (dropped) reason = Error{drop_reason_};
    return dropped;
}

void FakeBackend::drop(CounterId id, std::string reason) {
    Slot& s = slot(id);
    if (!s.running) return;
    s.running = false;
    s.dropped = true;
    dropped_ |= id.bit();
    drop_reason_ = std::move(reason);
}

void FakeBackend::advance(CounterId id, std::uint64_t events) {
    Slot& s = slot(id);
    if (!s.running) return;
    std::uint64_t before = s.count;
    s.count += events;
    if (before < s.period && s.count >= s.period) overflowed_ |= id.bit();
}

void FakeBackend::advance_all(std::uint64_t events) {
    for (unsigned i = 0; i < slots_.size(); ++i) advance(CounterId{i}, events);
}

}  // namespace vpmu
