// The physical-PMC pool (SysOptic 4.3): a fixed number of host counter
// slots shared by every virtual counter of every vCPU attached to it (the
// vCPUs of every VM pinned to one host CPU). A virtual counter is bound to
// a slot when it starts and released when it stops or overflows; when more
// counters are enabled than there are slots, a rotation thread time-slices
// the slots among them and counts become perf-style estimates:
//
//     estimate = counted * time_enabled / time_running
//
// with both times on the owning vCPU thread's CPU clock (per-task events
// accrue only while that thread runs). A counter that never had to wait is
// counted exactly, with no clock read on its read path. A waiting counter
// the host refuses when its turn comes is dropped: its estimate freezes and
// the client reports it through take_dropped(), never extrapolated on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vpmu/backend.h"

namespace vpmu {

class PmcPool {
public:
    struct Options {
        unsigned slots = 4;
        std::chrono::microseconds slice{4000};  // rotation period, as perf's default mux interval
    };
    struct Stats {
        std::uint64_t binds = 0;
        std::uint64_t releases = 0;
        std::uint64_t rotations = 0;
        std::uint64_t bind_failures = 0;
    };
    // The owner's clock in nanoseconds; by default the CPU-time clock of the
    // thread that attaches.
    using Clock = std::function<std::uint64_t()>;

    explicit PmcPool(Options options);
    ~PmcPool();  // every client must be destroyed first
    PmcPool(const PmcPool&) = delete;
    PmcPool& operator=(const PmcPool&) = delete;

    // A vCPU's view of the pool: counts through `host` (that vCPU's own
    // backend, which must outlive the client) while holding a slot.
    // `owner`: the vCPU index the pool's tracepoints give its counters.
    std::unique_ptr<CounterBackend> attach(CounterBackend& host, Clock clock = {}, std::uint32_t owner = 0);

    // One rotation step: the counters bound longest give their slots to the
    // counters waiting longest. The rotation thread calls it every slice
    // while counters wait; tests and benchmarks may call it directly.
    void rotate();

    unsigned slots() const { return options_.slots; }
    Stats stats() const;
    std::string last_error() const;

private:
    class Client;
    struct Entry;

    void bind(Entry& e);
    void release(Entry& e);
    int claim_slot();
    void fill_free_slots();
    void rotation_loop();
    void detach(Client& client);

    Options options_;
    mutable std::mutex mutex_;
    std::deque<Entry*> bound_;    // oldest binding first
    std::uint64_t used_slots_ = 0;  // slot numbers in use (bit i: slot i), for the tracepoints
    std::deque<Entry*> waiting_;  // longest waiting first
    Stats stats_;
    std::string last_error_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread rotator_;
};

// The CPU-time clock of the calling thread, readable from any thread.
PmcPool::Clock thread_cpu_clock();

}  // namespace vpmu
