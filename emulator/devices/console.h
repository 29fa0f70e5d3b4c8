// Where a VM's console bytes go: stdout or a log file, line-buffered so the
// lines of several VMs sharing stdout do not interleave mid-line, each line
// optionally prefixed with the VM's name.
#pragma once

#include <cstdint>
#include <string>

#include "kvm/fd.h"
#include "vpmu/result.h"

namespace vpmu::dev {

class ConsoleOutput {
public:
    virtual ~ConsoleOutput() = default;
    virtual void put(std::uint8_t byte) = 0;
    virtual void flush() = 0;
};

class FdConsole final : public ConsoleOutput {
public:
    // Writes to standard output (not owned).
    static FdConsole standard_output(std::string prefix);
    // Creates or truncates `path`.
    static Result<FdConsole> open_file(const std::string& path, std::string prefix);

    ~FdConsole() override { flush(); }
    FdConsole(FdConsole&&) = default;

    void put(std::uint8_t byte) override;
    void flush() override;

private:
    FdConsole(int fd, kvm::Fd owned, std::string prefix)
        : fd_(fd), owned_(std::move(owned)), prefix_(std::move(prefix)) {}
    static constexpr std::size_t kMaxLine = 512;

    int fd_;
    kvm::Fd owned_;
    std::string prefix_;
    std::string line_;
};

}  // namespace vpmu::dev
