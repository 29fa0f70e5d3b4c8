#include "trace/tracepoints.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#include <mutex>

namespace vpmu::trace {

namespace detail {
std::atomic<bool> g_enabled{false};
}  // namespace detail

namespace {

std::mutex g_mutex;               // guards g_active and stream creation/flush
HostTrace* g_active = nullptr;
std::atomic<std::uint64_t> g_generation{1};  // bumped per session: stale thread caches re-attach
unsigned g_next_stream = 0;

}  // namespace

// The calling thread's stream in the active session; flushed at thread exit.
struct ThreadStream {
    std::uint64_t generation = 0;
    StreamWriter* stream = nullptr;
    int vcpu = -1;

    ~ThreadStream() {
        std::lock_guard lock(g_mutex);
        if (stream && g_active && generation == g_generation.load()) (void)stream->flush();
    }

    bool attach() {
        std::lock_guard lock(g_mutex);
        if (!g_active) return false;
        const auto tid = static_cast<std::uint64_t>(::syscall(SYS_gettid));
        auto s = g_active->writer_->add_stream(0, "host_" + std::to_string(g_next_stream++),
                                               {tid, static_cast<std::uint64_t>(vcpu)});
        if (!s) return false;
        stream = *s;
        generation = g_generation.load();
        return true;
    }
};

namespace {
thread_local ThreadStream t_stream;
}  // namespace

std::uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

void detail::emit(std::uint16_t id, const void* payload, std::size_t size) {
    ThreadStream& t = t_stream;
    if (t.generation != g_generation.load(std::memory_order_relaxed) || !t.stream) [[unlikely]] {
        if (!t.attach()) return;
    }
    std::uint8_t* p = t.stream->reserve(id, monotonic_ns(), size);
    std::memcpy(p, payload, size);
}

void bind_thread(int vcpu) {
    t_stream.vcpu = vcpu;
    t_stream.generation = 0;  // attach again (a new stream) with the label
}

Result<std::unique_ptr<HostTrace>> HostTrace::start(const std::string& dir, HostSchemaOptions schema,
                                                    WriterOptions writer) {
    std::lock_guard lock(g_mutex);
    if (g_active) return make_error(dir + ": a host trace is already active");
    auto w = TraceWriter::create(dir, host_schema(schema), writer);
    if (!w) return w.error();
    std::unique_ptr<HostTrace> trace(new HostTrace(std::move(*w)));
    g_active = trace.get();
    g_next_stream = 0;
    g_generation.fetch_add(1);
    detail::g_enabled.store(true, std::memory_order_release);
    return trace;
}

HostTrace::~HostTrace() { (void)stop(); }

Result<void> HostTrace::stop() {
    std::lock_guard lock(g_mutex);
    if (stopped_) return {};
    stopped_ = true;
    if (g_active == this) {
        detail::g_enabled.store(false, std::memory_order_release);
        g_active = nullptr;
        g_generation.fetch_add(1);
    }
    return writer_->close();
}

void HostTrace::flush_this_thread() {
    std::lock_guard lock(g_mutex);
    if (t_stream.stream && g_active && t_stream.generation == g_generation.load()) {
        (void)t_stream.stream->flush();
    }
}

}  // namespace vpmu::trace
