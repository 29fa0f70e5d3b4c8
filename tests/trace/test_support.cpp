#include "test_support.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vpmu::trace::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/vpmu-trace-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::size_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

void truncate_file(const std::string& path, std::size_t size) {
    std::filesystem::resize_file(path, size);
}

CommandResult run_command(const std::string& shell_command) {
    TempDir tmp;
    const std::string out = tmp / "out", err = tmp / "err";
    const std::string cmd = shell_command + " >" + out + " 2>" + err + " </dev/null";
    const int raw = std::system(cmd.c_str());
    CommandResult r;
    r.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

CommandResult babeltrace2(const std::string& dir) { return run_command("babeltrace2 '" + dir + "'"); }

}  // namespace vpmu::trace::test
