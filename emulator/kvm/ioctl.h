// The one place KVM ioctls are issued from: every failure becomes an Error
// naming the ioctl and the errno, so no caller can forget either.
#pragma once

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vpmu/result.h"

namespace vpmu::kvm {

inline Error ioctl_error(const char* name, int err) {
    return make_error(std::string(name) + " failed: " + std::strerror(err) + " (errno " +
                      std::to_string(err) + ")");
}

// Issues `request` on `fd`; returns the ioctl's non-negative result or an
// Error that names `name`. EINTR is not retried here: KVM_RUN uses it to
// report a kick, and the other KVM ioctls do not return it.
template <class Arg>
Result<int> checked_ioctl(int fd, unsigned long request, const char* name, Arg arg) {
    const int rc = ::ioctl(fd, request, arg);
    if (rc < 0) return ioctl_error(name, errno);
    return rc;
}

}  // namespace vpmu::kvm
