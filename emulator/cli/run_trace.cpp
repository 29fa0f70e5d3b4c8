#include "cli/run_trace.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "trace/tracepoints.h"

namespace vpmu::cli {

namespace {

namespace fs = std::filesystem;

// A trace directory this run will write: what an earlier run left there
// (metadata, stream files) goes, so the two never mix; anything else in it
// is an error, since babeltrace2 reads every file of a trace directory.
Result<void> clear_trace_dir(const fs::path& dir, const char* stream_prefix) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return {};
    if (!fs::is_directory(dir, ec)) return make_error(dir.string() + ": exists and is not a directory");
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool ours = name == "metadata" || name.rfind(stream_prefix, 0) == 0;
        if (!ours || !entry.is_regular_file()) {
            return make_error(dir.string() + ": holds '" + name + "', which is not a trace file; " +
                              "use an empty or earlier --trace directory");
        }
        fs::remove(entry.path(), ec);
        if (ec) return make_error(entry.path().string() + ": cannot remove: " + ec.message());
    }
    if (ec) return make_error(dir.string() + ": " + ec.message());
    return {};
}

}  // namespace

RunTrace::RunTrace(RunTrace&&) noexcept = default;
RunTrace& RunTrace::operator=(RunTrace&&) noexcept = default;
RunTrace::~RunTrace() = default;

Result<RunTrace> RunTrace::start(const std::string& dir, unsigned vms) {
    RunTrace t;
    if (dir.empty()) return t;
    t.dir_ = dir;
    t.vms_ = vms;
    if (auto ok = clear_trace_dir(fs::path(dir) / "host", "host_"); !ok) return ok.error();
    for (unsigned k = 0; k < vms; ++k) {
        if (auto ok = clear_trace_dir(t.guest_dir(k), "guest_"); !ok) return ok.error();
    }
    auto host = trace::HostTrace::start(dir + "/host");
    if (!host) return make_error("--trace: " + host.error().message);
    t.host_ = std::move(*host);
    return t;
}

std::string RunTrace::guest_dir(unsigned vm) const {
    if (dir_.empty()) return {};
    return dir_ + (vms_ > 1 ? "/guest.vm" + std::to_string(vm) : std::string("/guest"));
}

bool RunTrace::finish(const std::vector<vmm::VmReport>& reports) {
    if (!host_) return true;
    bool ok = true;
    auto stopped = host_->stop();
    const trace::StreamStats host = host_->stats();
    host_.reset();
    if (!stopped) {
        std::fprintf(stderr, "vpmu run: --trace: %s\n", stopped.error().message.c_str());
        ok = false;
    }
    std::fprintf(stderr, "vpmu run: trace %s/host: %llu events", dir_.c_str(),
                 static_cast<unsigned long long>(host.events));
    if (host.discarded) std::fprintf(stderr, ", %llu lost", static_cast<unsigned long long>(host.discarded));
    std::fputc('\n', stderr);
    for (const vmm::VmReport& r : reports) {
        const vmm::GuestTraceStats& g = r.guest_trace;
        if (g.flushes == 0) {
            // Nothing written: a guest without tracer, or one stopped from
            // outside before its first flush (its buffer stays in guest memory).
            std::fprintf(stderr, "vpmu run: trace %s: %s handed over no guest trace (%llu sync exchanges)\n",
                         g.dir.c_str(), r.name.c_str(), static_cast<unsigned long long>(g.syncs));
            continue;
        }
        std::fprintf(stderr, "vpmu run: trace %s: %llu events, %llu sync exchanges", g.dir.c_str(),
                     static_cast<unsigned long long>(g.events), static_cast<unsigned long long>(g.syncs));
        if (g.lost) std::fprintf(stderr, ", %llu lost in the guest", static_cast<unsigned long long>(g.lost));
        if (g.rejected) {
            std::fprintf(stderr, ", %llu buffers rejected", static_cast<unsigned long long>(g.rejected));
        }
        std::fputc('\n', stderr);
        if (!g.last_error.empty()) {
            std::fprintf(stderr, "vpmu run: trace %s: %s\n", g.dir.c_str(), g.last_error.c_str());
            ok = false;
        }
    }
    return ok;
}

}  // namespace vpmu::cli
