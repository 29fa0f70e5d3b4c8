// Helpers for the trace tests: scratch directories and running the real
// babeltrace2 CLI on what the writer produced.
#pragma once

#include <string>

namespace vpmu::trace::test {

// A fresh directory under $TMPDIR, removed with its contents at scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct CommandResult {
    int status = -1;  // exit status, -1 if it did not exit normally
    std::string out;
    std::string err;
};
CommandResult run_command(const std::string& shell_command);

// `babeltrace2 DIR` (pretty text, one event per line).
CommandResult babeltrace2(const std::string& dir);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
std::size_t file_size(const std::string& path);
void truncate_file(const std::string& path, std::size_t size);

}  // namespace vpmu::trace::test
