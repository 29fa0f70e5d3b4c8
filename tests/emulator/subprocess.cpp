#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <optional>
#include <cstring>

namespace vpmu::test {

ProcessResult run_process(const std::vector<std::string>& argv, double limit_seconds,
                          SignalAfter signal_after) {
    ProcessResult result;
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return result;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::execv(args[0], args.data());
        ::_exit(111);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::milliseconds(static_cast<long>(limit_seconds * 1000));
    std::optional<std::chrono::steady_clock::time_point> signal_at;
    if (signal_after.signal != 0) {
        signal_at = started + std::chrono::milliseconds(static_cast<long>(signal_after.seconds * 1000));
    }
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        long wait_ms = left.count();
        if (signal_at) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
                *signal_at - std::chrono::steady_clock::now());
            if (until.count() <= 0) {
                ::kill(pid, signal_after.signal);
                signal_at.reset();
                continue;
            }
            wait_ms = std::min(wait_ms, static_cast<long>(until.count()));
        }
        if (::poll(fds, 2, static_cast<int>(wait_ms)) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (pollfd& p : fds) {
        if (p.fd >= 0) ::close(p.fd);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string vpmu_binary() { return VPMU_BINARY; }

ProcessResult run_vpmu(std::vector<std::string> args, double limit_seconds, SignalAfter signal_after) {
    args.insert(args.begin(), vpmu_binary());
    return run_process(args, limit_seconds, signal_after);
}

int count_lines(const std::string& text) {
    int lines = 0;
    for (char c : text) lines += c == '\n';
    if (!text.empty() && text.back() != '\n') ++lines;
    return lines;
}

}  // namespace vpmu::test
