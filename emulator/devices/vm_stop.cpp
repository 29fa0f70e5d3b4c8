#include "devices/vm_stop.h"

namespace vpmu::dev {

void VmStop::set_kick(std::function<void()> kick) {
    std::lock_guard guard(lock_);
    kick_ = std::move(kick);
}

bool VmStop::request(VmOutcome outcome) {
    std::function<void()> kick;
    {
        std::lock_guard guard(lock_);
        if (outcome_) return false;
        outcome_ = std::move(outcome);
        requested_.store(true);
        kick = kick_;
    }
    if (kick) kick();
    return true;
}

bool VmStop::requested() const { return requested_.load(); }

std::optional<VmOutcome> VmStop::outcome() const {
    std::lock_guard guard(lock_);
    return outcome_;
}

}  // namespace vpmu::dev
