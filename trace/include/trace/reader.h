// Reads CTF traces (ours, and LTTng's) through libbabeltrace2: a graph
// src.ctf.fs → flt.utils.muxer → a sink we pull from, so events of every
// stream come in timestamp order, one at a time, in bounded memory.
// Malformed metadata, truncated or corrupt stream files and traces without
// timestamps give errors naming the trace and, as babeltrace2 reports them,
// the file and offset; never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trace/schema.h"
#include "vpmu/result.h"

struct bt_event;
struct bt_field;
struct bt_stream;

namespace vpmu::trace {

struct ClockInfo {
    std::string name;
    std::optional<Uuid> uuid;
    std::uint64_t frequency = 0;
    std::int64_t offset_s = 0;
    std::uint64_t offset_cycles = 0;
};

struct TraceInfo {
    std::string dir;
    ClockInfo clock;                          // the first stream's default clock
    std::map<std::string, std::string> env;   // integers as decimal text
    std::string warnings;                     // babeltrace2's warnings while opening
};

struct ReaderStats {
    std::uint64_t events = 0;
    std::uint64_t discarded_events = 0;   // reported by the tracer (events_discarded)
    std::uint64_t discarded_packets = 0;  // gaps in packet_seq_num
};

class TraceReader {
public:
    static Result<std::unique_ptr<TraceReader>> open(const std::string& dir);
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    // Moves to the next event (all streams merged in time order); false at
    // the end of the trace.
    Result<bool> next();

    // The current event; valid until the next call of next().
    const bt_event* event() const { return event_; }
    std::string_view name() const { return name_; }
    std::int64_t timestamp_ns() const { return ns_; }  // ns from the clock's origin
    const bt_stream* stream() const { return stream_; }
    // A payload member that is an integer (or enumeration), by name.
    std::optional<std::int64_t> field_int(const char* name) const;
    std::optional<std::uint64_t> field_uint(const char* name) const;
    // A packet-context integer (e.g. cpu_id, vcpu, tid) of the current event.
    std::optional<std::int64_t> packet_int(const char* name) const;

    const TraceInfo& info() const { return info_; }
    const ReaderStats& stats() const { return stats_; }

    struct Impl;

private:
    explicit TraceReader(std::unique_ptr<Impl> impl);
    Result<bool> advance();

    std::unique_ptr<Impl> impl_;
    TraceInfo info_;
    ReaderStats stats_;
    const bt_event* event_ = nullptr;
    std::string_view name_;
    std::int64_t ns_ = 0;
    const bt_stream* stream_ = nullptr;
    bool peeked_ = false;
    bool peeked_result_ = false;
};

// An integer member of a structure field (payload, context), signed or not.
std::optional<std::int64_t> struct_int(const bt_field* structure, const char* name);

// The pending libbabeltrace2 error causes of this thread as one line,
// prefixed by `context`; clears them.
std::string take_babeltrace_error(const std::string& context);

}  // namespace vpmu::trace
