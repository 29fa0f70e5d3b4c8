// CTF 1.8 trace writer: a directory holding `metadata` (TSDL, written whole
// and renamed into place before any event) and one binary file per stream.
// A stream builds its current packet in memory and appends it to its file
// with one write() once it is full, older than `max_packet_age_ns`, or
// flushed: a process that stops early leaves a trace of whole packets and
// loses at most each stream's open packet.
//
// A StreamWriter belongs to one producer thread (the tracepoints give every
// thread its own); TraceWriter::add_stream and close() may be called from
// any thread, close() once the producers stopped.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "trace/schema.h"
#include "vpmu/result.h"

namespace vpmu::trace {

// A field value for the generic (non-hot) path: integers, doubles, strings,
// and lists for structures (members in order), arrays and sequences.
struct Value {
    using List = std::vector<Value>;
    std::variant<std::monostate, std::uint64_t, std::int64_t, double, std::string, List> v;

    Value() = default;
    Value(std::uint64_t x) : v(x) {}
    Value(std::int64_t x) : v(x) {}
    Value(unsigned x) : v(std::uint64_t{x}) {}
    Value(int x) : v(std::int64_t{x}) {}
    Value(unsigned long long x) : v(static_cast<std::uint64_t>(x)) {}
    Value(long long x) : v(static_cast<std::int64_t>(x)) {}
    Value(double x) : v(x) {}
    Value(std::string x) : v(std::move(x)) {}
    Value(const char* x) : v(std::string(x)) {}
    Value(List x) : v(std::move(x)) {}
};

struct WriterOptions {
    std::size_t packet_bytes = 64 * 1024;        // usual packet size (events larger grow it)
    std::uint64_t max_packet_age_ns = 100'000'000;  // close a packet this old at its next event
};

struct StreamStats {
    std::uint64_t events = 0;
    std::uint64_t packets = 0;
    std::uint64_t discarded = 0;  // events lost (write errors, oversized events)
    std::uint64_t clamped = 0;    // events whose timestamp went back, written at the last one
    std::uint64_t bytes = 0;
};

class StreamWriter {
public:
    StreamWriter(const TraceSchema& schema, const StreamClass& stream_class, std::string path,
                 std::uint64_t instance_id, std::vector<std::uint64_t> context_values,
                 const WriterOptions& options);
    ~StreamWriter();
    StreamWriter(const StreamWriter&) = delete;
    StreamWriter& operator=(const StreamWriter&) = delete;

    // Hot path: room for one event of `payload_bytes` bytes, its header
    // written; the caller fills the payload (little-endian, TSDL order).
    // Timestamps must not go back within a stream; an earlier one is written
    // as the last (counted in stats().clamped).
    std::uint8_t* reserve(std::uint16_t id, std::uint64_t timestamp, std::size_t payload_bytes);

    // Generic path: `payload` is a List with one Value per field of the
    // event class (checked against its types).
    Result<void> write(std::uint16_t id, std::uint64_t timestamp, const Value& payload);

    // Ends the open packet and appends it to the file (no-op when empty).
    Result<void> flush();

    const StreamStats& stats() const { return stats_; }
    const std::string& path() const { return path_; }
    const StreamClass& stream_class() const { return *class_; }

private:
    void open_packet(std::uint64_t timestamp);
    void grow(std::size_t need);

    const StreamClass* class_;
    Uuid trace_uuid_;
    std::string path_;
    std::uint64_t instance_id_;
    std::vector<std::uint64_t> context_values_;
    WriterOptions options_;
    std::vector<std::uint8_t> buf_;
    std::size_t prologue_ = 0;
    std::size_t used_ = 0;
    std::uint64_t packet_events_ = 0;
    std::uint64_t packet_begin_ = 0;
    std::uint64_t last_ts_ = 0;
    std::uint64_t seq_ = 0;
    int fd_ = -1;
    std::string error_;
    StreamStats stats_;
    std::vector<ctf::TypePtr> event_types_;  // payload structure per event id (null: none)
    std::vector<const EventClass*> event_classes_;
};

class TraceWriter {
public:
    // Creates `dir` (and parents) and writes its metadata.
    static Result<std::unique_ptr<TraceWriter>> create(const std::string& dir, TraceSchema schema,
                                                       WriterOptions options = {});
    ~TraceWriter();  // flushes what close() did not
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    // A new stream file `dir/name` of stream class `stream_class`;
    // `context_values` fill that class's extra packet-context fields.
    Result<StreamWriter*> add_stream(std::uint32_t stream_class, const std::string& name,
                                     std::vector<std::uint64_t> context_values = {});

    // Flushes every stream; the first error names the stream file.
    Result<void> close();

    const TraceSchema& schema() const { return schema_; }
    const std::string& dir() const { return dir_; }
    StreamStats totals() const;

private:
    TraceWriter(std::string dir, TraceSchema schema, WriterOptions options);

    std::string dir_;
    TraceSchema schema_;
    WriterOptions options_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<StreamWriter>> streams_;
};

// Little-endian stores for payload fillers (x86 is little-endian; memcpy
// keeps unaligned stores defined).
template <class T>
inline std::uint8_t* put(std::uint8_t* p, T value) {
    std::memcpy(p, &value, sizeof value);
    return p + sizeof value;
}

Result<void> make_directories(const std::string& dir);
Result<void> write_file_atomically(const std::string& path, const std::string& content);

}  // namespace vpmu::trace
