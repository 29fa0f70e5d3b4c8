// What a trace declares in its CTF metadata: one clock class (the domain's
// clock: host or one guest), the trace environment, and stream classes with
// their event classes. A schema is fixed when the trace is created, so the
// metadata file is complete before the first event is written.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "trace/ctf_type.h"

namespace vpmu::trace {

using Uuid = std::array<std::uint8_t, 16>;

Uuid random_uuid();
// The host's boot id (/proc/sys/kernel/random/boot_id), as LTTng uses for its
// kernel clock: one host keeps one clock UUID across trace sessions, which is
// how Trace Compass recognises traces of the same host. Random if unreadable.
Uuid host_boot_uuid();
// A UUID derived from a 64-bit VM identifier (version 4 layout), so every
// guest trace of one VM run shares its clock UUID and differs from the host's.
Uuid uuid_from_u64(std::uint64_t value, std::uint64_t salt);
std::string uuid_string(const Uuid& uuid);
bool parse_uuid(const std::string& text, Uuid& out);

struct ClockClass {
    std::string name = "monotonic";
    std::string description;
    Uuid uuid{};
    std::uint64_t frequency = 1'000'000'000;  // Hz: timestamps are in ns
    // Origin: ns_from_origin = offset_s * 1e9 + offset (cycles) + value.
    std::int64_t offset_s = 0;
    std::int64_t offset_cycles = 0;
    bool absolute = false;
};

struct EnvEntry {
    std::string key;
    std::variant<std::int64_t, std::string> value;
};

struct EventClass {
    std::string name;
    std::uint16_t id = 0;  // unique within its stream class
    std::vector<ctf::Member> fields;
};

struct StreamClass {
    std::uint32_t id = 0;
    // Integer fields appended to the standard packet context
    // (timestamp_begin/end, content/packet size, packet_seq_num,
    // events_discarded); their values are fixed per stream.
    std::vector<ctf::Member> packet_context;
    std::vector<EventClass> events;

    const EventClass* find(const std::string& name) const;
};

struct TraceSchema {
    Uuid trace_uuid{};
    ClockClass clock;
    std::vector<EnvEntry> env;
    std::vector<StreamClass> streams;

    const StreamClass* find_stream(std::uint32_t id) const;
};

// Environment fields that make Trace Compass open the trace as an LTTng
// kernel trace (its VM synchronization only matches events of kernel traces)
// and tell babeltrace2 which tracer wrote it (a version with no known quirks).
std::vector<EnvEntry> lttng_kernel_env(const std::string& hostname, const std::string& trace_name);

std::string local_hostname();

// CTF 1.8 TSDL for the schema (the `metadata` file, plain text form).
std::string tsdl(const TraceSchema& schema);

// Size in bytes of the fixed packet header + packet context of a stream class.
std::size_t packet_prologue_size(const StreamClass& stream);
inline constexpr std::size_t kPacketHeaderSize = 32;  // magic, uuid, stream_id, instance id
inline constexpr std::size_t kEventHeaderSize = 10;   // uint16 id, uint64 timestamp
inline constexpr std::uint32_t kCtfMagic = 0xC1FC1FC1;

}  // namespace vpmu::trace
