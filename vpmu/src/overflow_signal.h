// Routes host perf-event overflow signals to the counter they belong to.
// A thread-local table maps the fds a vCPU thread opened to CounterIds; the
// signal handler (async-signal-safe: only lock-free atomics) marks the
// counter pending, and the backend takes the pending set on that thread.
#pragma once

#include <cstdint>

#include "vpmu/backend.h"
#include "vpmu/result.h"

namespace vpmu::overflow {

// Installs the process-wide handler (once) and routes `fd`'s overflow
// signal to the calling thread as counter `id`.
Result<void> watch(int fd, CounterId id);
void unwatch(CounterId id);
// Counters of the calling thread whose overflow signal arrived since the
// last call.
std::uint64_t take_pending();
void clear_pending(CounterId id);

}  // namespace vpmu::overflow
