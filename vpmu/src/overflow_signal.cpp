#include "overflow_signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include "vpmu/perf_backend.h"

namespace vpmu {

int overflow_signal() { return SIGRTMIN + 4; }

namespace overflow {
namespace {

constexpr unsigned kCounters = 64;

// Constant-initialised, so reachable from a signal handler without any
// dynamic TLS initialisation. fds are stored plus one: 0 means none.
thread_local std::array<std::atomic<int>, kCounters> t_fd_plus_one{};
thread_local std::atomic<std::uint64_t> t_pending{0};

void on_overflow(int, siginfo_t* info, void*) {
    int fd_plus_one = info->si_fd + 1;
    for (unsigned i = 0; i < kCounters; ++i) {
        if (t_fd_plus_one[i].load(std::memory_order_relaxed) == fd_plus_one) {
            t_pending.fetch_or(std::uint64_t{1} << i, std::memory_order_relaxed);
            return;
        }
    }
}

Result<void> install_handler() {
    static std::once_flag once;
    static int error = 0;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_sigaction = on_overflow;
        action.sa_flags = SA_SIGINFO;  // no SA_RESTART: KVM_RUN must return EINTR
        sigemptyset(&action.sa_mask);
        if (sigaction(overflow_signal(), &action, nullptr) != 0) error = errno;
    });
    if (error) return make_error(std::string("sigaction(overflow signal): ") + std::strerror(error));
    return {};
}

Result<void> fcntl_or_error(int fd, int cmd, long arg, const char* what) {
    if (fcntl(fd, cmd, arg) != 0) return make_error(std::string("fcntl(") + what + "): " + std::strerror(errno));
    return {};
}

}  // namespace

Result<void> watch(int fd, CounterId id) {
    if (auto ok = install_handler(); !ok) return ok;
    // Signal on every overflow, to this thread only, carrying the fd.
    f_owner_ex owner{F_OWNER_TID, static_cast<pid_t>(gettid())};
    if (fcntl(fd, F_SETOWN_EX, &owner) != 0) {
        return make_error(std::string("fcntl(F_SETOWN_EX): ") + std::strerror(errno));
    }
    if (auto ok = fcntl_or_error(fd, F_SETSIG, overflow_signal(), "F_SETSIG"); !ok) return ok;
    if (auto ok = fcntl_or_error(fd, F_SETFL, O_ASYNC, "F_SETFL O_ASYNC"); !ok) return ok;
    t_fd_plus_one[id.value].store(fd + 1, std::memory_order_relaxed);
    return {};
}

void unwatch(CounterId id) {
    t_fd_plus_one[id.value].store(0, std::memory_order_relaxed);
    clear_pending(id);
}

std::uint64_t take_pending() { return t_pending.exchange(0, std::memory_order_relaxed); }

void clear_pending(CounterId id) { t_pending.fetch_and(~id.bit(), std::memory_order_relaxed); }

}  // namespace overflow
}  // namespace vpmu
