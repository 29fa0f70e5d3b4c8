#include "devices/console.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vpmu::dev {

FdConsole FdConsole::standard_output(std::string prefix) {
    return FdConsole(STDOUT_FILENO, kvm::Fd(), std::move(prefix));
}

Result<FdConsole> FdConsole::open_file(const std::string& path, std::string prefix) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("cannot open console file '" + path + "': " + std::strerror(errno));
    return FdConsole(fd, kvm::Fd(fd), std::move(prefix));
}

void FdConsole::put(std::uint8_t byte) {
    if (line_.empty()) line_ = prefix_;
    line_.push_back(static_cast<char>(byte));
    if (byte == '\n' || line_.size() >= kMaxLine) flush();
}

void FdConsole::flush() {
    std::size_t done = 0;
    while (done < line_.size()) {
        const ssize_t n = ::write(fd_, line_.data() + done, line_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // console output is best effort: a closed pipe must not stop the VM
        done += static_cast<std::size_t>(n);
    }
    line_.clear();
}

}  // namespace vpmu::dev
