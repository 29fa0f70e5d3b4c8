// How a VM ends, and the latch that records it. The first stop requested
// wins (a guest exit racing a timeout keeps whichever came first); later
// requests are ignored. Requesting a stop also runs the kick callback, which
// forces every vCPU of the VM out of KVM_RUN.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace vpmu::dev {

// Process exit statuses of `vpmu run` (DESIGN.md, command line contract).
inline constexpr int kStatusBadUsage = 125;
inline constexpr int kStatusImageRejected = 126;
inline constexpr int kStatusVmFailed = 127;
inline constexpr int kMaxGuestStatus = 124;

struct VmOutcome {
    int status = 0;
    std::string reason;  // empty when the guest chose the status itself

    static VmOutcome guest_exit(int status) { return {status, {}}; }
    static VmOutcome failure(std::string reason) { return {kStatusVmFailed, std::move(reason)}; }
    bool is_guest_exit() const { return reason.empty(); }
    friend bool operator==(const VmOutcome&, const VmOutcome&) = default;
};

class VmStop {
public:
    // Called (once, outside the latch's lock) when the first stop is requested.
    void set_kick(std::function<void()> kick);

    // Records `outcome` unless a stop was requested already; returns true
    // when this request was the first.
    bool request(VmOutcome outcome);

    bool requested() const;
    std::optional<VmOutcome> outcome() const;

private:
    mutable std::mutex lock_;
    std::optional<VmOutcome> outcome_;
    std::atomic<bool> requested_{false};  // checked before every KVM_RUN, lock-free
    std::function<void()> kick_;
};

}  // namespace vpmu::dev
