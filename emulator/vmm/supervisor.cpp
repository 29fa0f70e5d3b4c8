#include "vmm/supervisor.h"

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace vpmu::vmm {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRekickMs = 100;

bool any_stop_requested(const std::vector<std::unique_ptr<VirtualMachine>>& vms) {
    for (const auto& vm : vms) {
        if (!vm->finished() && vm->stop_requested()) return true;
    }
    return false;
}

sigset_t termination_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

void stop_running(std::vector<std::unique_ptr<VirtualMachine>>& vms, const std::string& reason) {
    for (auto& vm : vms) {
        if (!vm->finished()) vm->stop(dev::VmOutcome::failure(reason));
    }
}

bool all_finished(const std::vector<std::unique_ptr<VirtualMachine>>& vms) {
    for (const auto& vm : vms) {
        if (!vm->finished()) return false;
    }
    return true;
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
}

// Milliseconds poll() should wait: until the deadline, rounded up so we
// never wake just before it; -1 without a deadline.
int poll_timeout_ms(std::optional<Clock::time_point> deadline) {
    if (!deadline) return -1;
    const auto left = *deadline - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1;
    return static_cast<int>(std::min<long long>(ms, 1 << 30));
}

}  // namespace

Result<std::unique_ptr<TerminationSignals>> TerminationSignals::block() {
    const sigset_t set = termination_set();
    sigset_t old;
    if (const int err = pthread_sigmask(SIG_BLOCK, &set, &old); err != 0) {
        return make_error(std::string("pthread_sigmask: ") + std::strerror(err));
    }
    kvm::Fd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd.valid()) {
        const int err = errno;
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return make_error(std::string("signalfd: ") + std::strerror(err));
    }
    return std::unique_ptr<TerminationSignals>(new TerminationSignals(std::move(fd), old));
}

TerminationSignals::~TerminationSignals() { pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr); }

std::vector<VmReport> supervise(std::vector<std::unique_ptr<VirtualMachine>>& vms,
                                std::optional<std::chrono::duration<double>> timeout,
                                TerminationSignals* signals) {
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(*timeout);

    std::vector<pollfd> fds;
    for (const auto& vm : vms) fds.push_back({vm->done_fd(), POLLIN, 0});
    if (signals != nullptr) fds.push_back({signals->fd(), POLLIN, 0});

    bool stopping = any_stop_requested(vms);
    while (!all_finished(vms)) {
        // Once stopped, kick again every 100 ms: a kick is a signal, and a
        // vCPU thread must not stay in the guest because one was lost.
        const int until_deadline = poll_timeout_ms(deadline);
        const int wait_ms = !stopping                 ? until_deadline
                            : until_deadline < 0      ? kRekickMs
                                                      : std::min(kRekickMs, until_deadline);
        const int ready = ::poll(fds.data(), fds.size(), wait_ms);
        for (auto& vm : vms) {
            if (!vm->finished() && vm->stop_requested()) vm->kick();
        }
        if (ready < 0 && errno != EINTR) {
            stop_running(vms, std::string("VMM poll failed: ") + std::strerror(errno));
            break;
        }
        if (signals != nullptr && (fds.back().revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (::read(signals->fd(), &info, sizeof info) == sizeof info) {
                stop_running(vms, std::string("stopped by signal SIG") +
                                      sigabbrev_np(static_cast<int>(info.ssi_signo)));
            }
        }
        if (deadline && Clock::now() >= *deadline) {
            stop_running(vms, "timeout: still running after --timeout " + seconds_text(timeout->count()));
            deadline.reset();  // stopped; now wait for the vCPUs to leave
        }
        stopping = any_stop_requested(vms);
        // A VM's done event stays readable; drop it from the poll set.
        for (std::size_t i = 0; i < vms.size(); ++i) {
            if (vms[i]->finished()) fds[i].fd = -1;
        }
    }

    std::vector<VmReport> reports;
    for (auto& vm : vms) reports.push_back(vm->join());
    return reports;
}

}  // namespace vpmu::vmm
