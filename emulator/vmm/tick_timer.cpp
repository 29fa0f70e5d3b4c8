#include "vmm/tick_timer.h"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vpmu::vmm {

Result<TickTimer> TickTimer::start(std::uint32_t hz, int signal) {
    if (hz == 0 || hz > kMaxTickHz) {
        return make_error("tick rate " + std::to_string(hz) + " Hz is outside 1.." + std::to_string(kMaxTickHz));
    }
    const std::uint64_t period_ns = 1000000000ull / hz;
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = period_ns;
    attr.disabled = 1;
    kvm::Fd fd(static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC)));
    if (!fd.valid()) return make_error(std::string("tick timer: perf_event_open(task-clock): ") + std::strerror(errno));
    // Signal this thread on every overflow (no SA_RESTART on the kick
    // signal: KVM_RUN returns EINTR).
    f_owner_ex owner{F_OWNER_TID, static_cast<pid_t>(syscall(SYS_gettid))};
    if (fcntl(fd.get(), F_SETOWN_EX, &owner) != 0 || fcntl(fd.get(), F_SETSIG, signal) != 0 ||
        fcntl(fd.get(), F_SETFL, O_ASYNC) != 0 || ioctl(fd.get(), PERF_EVENT_IOC_ENABLE, 0) != 0) {
        return make_error(std::string("tick timer: arming the task-clock event: ") + std::strerror(errno));
    }
    return TickTimer(std::move(fd), period_ns);
}

std::uint64_t TickTimer::ticks() const {
    std::uint64_t ns = 0;
    if (::read(fd_.get(), &ns, sizeof ns) != static_cast<ssize_t>(sizeof ns)) return 0;
    return ns / period_ns_;
}

}  // namespace vpmu::vmm
