#include "overflow_signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <string>

#include "vpmu/perf_backend.h"

namespace vpmu {

int overflow_signal() { return SIGRTMIN + 4; }

namespace overflow {
namespace {

// Enough for every counter of dozens of vCPUs; a larger fd is refused
// with a message rather than silently left without overflows.
constexpr int kMaxFd = 8192;

struct Route {
    std::atomic<std::atomic<std::uint64_t>*> pending{nullptr};
    std::atomic<std::uint64_t> bit{0};
};
std::array<Route, kMaxFd> g_routes;

void on_overflow(int, siginfo_t* info, void*) {
    int fd = info->si_fd;
    if (fd < 0 || fd >= kMaxFd) return;
    Route& route = g_routes[static_cast<unsigned>(fd)];
    if (auto* pending = route.pending.load(std::memory_order_acquire)) {
        pending->fetch_or(route.bit.load(std::memory_order_relaxed), std::memory_order_relaxed);
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

Error fcntl_error(const char* what) {
    return make_error(std::string("fcntl(") + what + ") on a perf event: " + std::strerror(errno));
}

}  // namespace

Result<void> watch(int fd, pid_t owner_tid, CounterId id, std::atomic<std::uint64_t>& pending) {
    if (fd < 0 || fd >= kMaxFd) {
        return make_error("perf event fd " + std::to_string(fd) + " is beyond the overflow table (" +
                          std::to_string(kMaxFd) + ")");
    }
    if (auto ok = install_handler(); !ok) return ok;
    Route& route = g_routes[static_cast<unsigned>(fd)];
    route.bit.store(id.bit(), std::memory_order_relaxed);
    route.pending.store(&pending, std::memory_order_release);
    // Signal on every overflow, to the owner thread only, carrying the fd.
    f_owner_ex owner{F_OWNER_TID, owner_tid};
    if (fcntl(fd, F_SETOWN_EX, &owner) != 0) return fcntl_error("F_SETOWN_EX");
    if (fcntl(fd, F_SETSIG, overflow_signal()) != 0) return fcntl_error("F_SETSIG");
    if (fcntl(fd, F_SETFL, O_ASYNC) != 0) return fcntl_error("F_SETFL O_ASYNC");
    return {};
}

void unwatch(int fd) {
    if (fd < 0 || fd >= kMaxFd) return;
    g_routes[static_cast<unsigned>(fd)].pending.store(nullptr, std::memory_order_release);
}

}  // namespace overflow
}  // namespace vpmu
