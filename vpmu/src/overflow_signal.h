// Routes host perf-event overflow signals to the counter they belong to.
// A process-wide table indexed by fd names, for every watched perf event,
// the pending mask of its owner and the counter's bit; the signal handler
// (async-signal-safe: lock-free atomics only) sets that bit. The signal
// itself goes to the owner's vCPU thread, ending its KVM_RUN.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "vpmu/backend.h"
#include "vpmu/result.h"

namespace vpmu::overflow {

// Installs the process-wide handler (once) and routes `fd`'s overflow
// signal to thread `owner_tid`, marking `id` in `pending`.
Result<void> watch(int fd, pid_t owner_tid, CounterId id, std::atomic<std::uint64_t>& pending);
// Stops routing `fd`; call before closing it.
void unwatch(int fd);

}  // namespace vpmu::overflow
