#include "trace/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace vpmu::trace {
namespace {

std::string errno_text() { return std::strerror(errno); }

Result<void> write_all(int fd, const std::uint8_t* data, std::size_t size, const std::string& path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(path + ": write failed: " + errno_text());
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

// Appends the encoding of `value` as `type`; `siblings` holds the integer
// values of the enclosing structure's members so far (sequence lengths).
Result<void> encode(const ctf::Type& type, const Value& value, const std::string& name,
                    std::vector<std::uint8_t>& out) {
    switch (type.kind) {
    case ctf::Kind::Integer: {
        std::uint64_t raw;
        if (const auto* u = std::get_if<std::uint64_t>(&value.v)) raw = *u;
        else if (const auto* s = std::get_if<std::int64_t>(&value.v)) raw = static_cast<std::uint64_t>(*s);
        else return make_error("field '" + name + "': expected an integer");
        const std::size_t n = type.bits / 8;
        for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(raw >> (8 * i)));
        return {};
    }
    case ctf::Kind::Real: {
        double d;
        if (const auto* r = std::get_if<double>(&value.v)) d = *r;
        else return make_error("field '" + name + "': expected a real number");
        std::uint8_t bytes[8];
        if (type.bits == 32) {
            const float f = static_cast<float>(d);
            std::memcpy(bytes, &f, 4);
        } else {
            std::memcpy(bytes, &d, 8);
        }
        out.insert(out.end(), bytes, bytes + type.bits / 8);
        return {};
    }
    case ctf::Kind::String: {
        const auto* s = std::get_if<std::string>(&value.v);
        if (!s) return make_error("field '" + name + "': expected a string");
        // An embedded NUL would end the string early and shift every later field.
        const std::size_t len = ::strnlen(s->c_str(), s->size());
        out.insert(out.end(), s->begin(), s->begin() + static_cast<std::ptrdiff_t>(len));
        out.push_back(0);
        return {};
    }
    case ctf::Kind::Struct: {
        const auto* list = std::get_if<Value::List>(&value.v);
        if (!list || list->size() != type.members.size()) {
            return make_error("field '" + name + "': expected " + std::to_string(type.members.size()) +
                              " members");
        }
        std::map<std::string, std::uint64_t> lengths;
        for (std::size_t i = 0; i < type.members.size(); ++i) {
            const auto& m = type.members[i];
            const Value& v = (*list)[i];
            if (m.type->kind == ctf::Kind::Sequence) {
                const auto* items = std::get_if<Value::List>(&v.v);
                const auto it = lengths.find(m.type->length_field);
                if (!items || it == lengths.end() || it->second != items->size()) {
                    return make_error("field '" + m.name + "': sequence length does not match '" +
                                      m.type->length_field + "'");
                }
            }
            if (m.type->kind == ctf::Kind::Integer) {
                if (const auto* u = std::get_if<std::uint64_t>(&v.v)) lengths[m.name] = *u;
                else if (const auto* s = std::get_if<std::int64_t>(&v.v)) lengths[m.name] = static_cast<std::uint64_t>(*s);
            }
            if (auto r = encode(*m.type, v, m.name, out); !r) return r;
        }
        return {};
    }
    case ctf::Kind::Array:
    case ctf::Kind::Sequence: {
        const auto* items = std::get_if<Value::List>(&value.v);
        if (!items || (type.kind == ctf::Kind::Array && items->size() != type.length)) {
            return make_error("field '" + name + "': wrong number of elements");
        }
        for (const auto& item : *items) {
            if (auto r = encode(*type.element, item, name, out); !r) return r;
        }
        return {};
    }
    }
    return make_error("field '" + name + "': unknown type");
}

}  // namespace

Result<void> make_directories(const std::string& dir) {
    std::string path;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        path = dir.substr(0, pos);
        if (path.empty()) continue;
        if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
            return make_error(path + ": cannot create directory: " + errno_text());
        }
    }
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return make_error(dir + ": not a directory");
    }
    return {};
}

Result<void> write_file_atomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(tmp + ": cannot create: " + errno_text());
    auto r = write_all(fd, reinterpret_cast<const std::uint8_t*>(content.data()), content.size(), tmp);
    ::close(fd);
    if (!r) return r;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        return make_error(path + ": cannot rename into place: " + errno_text());
    }
    return {};
}

StreamWriter::StreamWriter(const TraceSchema& schema, const StreamClass& stream_class,
                           std::string path, std::uint64_t instance_id,
                           std::vector<std::uint64_t> context_values, const WriterOptions& options)
    : class_(&stream_class),
      trace_uuid_(schema.trace_uuid),
      path_(std::move(path)),
      instance_id_(instance_id),
      context_values_(std::move(context_values)),
      options_(options),
      prologue_(packet_prologue_size(stream_class)) {
    context_values_.resize(stream_class.packet_context.size());
    buf_.resize(std::max(options_.packet_bytes, prologue_ + 256));
    for (const auto& e : stream_class.events) {
        if (e.id >= event_types_.size()) {
            event_types_.resize(e.id + 1u);
            event_classes_.resize(e.id + 1u, nullptr);
        }
        event_types_[e.id] = ctf::structure(e.fields);
        event_classes_[e.id] = &e;
    }
}

StreamWriter::~StreamWriter() {
    (void)flush();
    if (fd_ >= 0) ::close(fd_);
}

void StreamWriter::open_packet(std::uint64_t timestamp) {
    used_ = prologue_;
    packet_events_ = 0;
    packet_begin_ = timestamp;
}

void StreamWriter::grow(std::size_t need) {
    std::size_t size = buf_.size();
    while (size < need) size *= 2;
    buf_.resize(size);
}

std::uint8_t* StreamWriter::reserve(std::uint16_t id, std::uint64_t timestamp,
                                    std::size_t payload_bytes) {
    if (timestamp < last_ts_) {
        timestamp = last_ts_;
        ++stats_.clamped;
    }
    const std::size_t need = kEventHeaderSize + payload_bytes;
    if (packet_events_ > 0 && (used_ + need > options_.packet_bytes ||
                               timestamp - packet_begin_ > options_.max_packet_age_ns)) {
        (void)flush();  // a failed write counts its events as discarded
    }
    if (packet_events_ == 0) open_packet(timestamp);
    if (used_ + need > buf_.size()) grow(used_ + need);
    std::uint8_t* p = buf_.data() + used_;
    p = put(p, id);
    p = put(p, timestamp);
    used_ += need;
    last_ts_ = timestamp;
    ++packet_events_;
    return p;
}

Result<void> StreamWriter::write(std::uint16_t id, std::uint64_t timestamp, const Value& payload) {
    const EventClass* ec = id < event_classes_.size() ? event_classes_[id] : nullptr;
    if (!ec) {
        ++stats_.discarded;
        return make_error(path_ + ": no event class with id " + std::to_string(id));
    }
    thread_local std::vector<std::uint8_t> scratch;
    scratch.clear();
    if (auto r = encode(*event_types_[id], payload, ec->name, scratch); !r) {
        ++stats_.discarded;
        return make_error(path_ + ": event '" + ec->name + "': " + r.error().message);
    }
    std::uint8_t* p = reserve(id, timestamp, scratch.size());
    if (!scratch.empty()) std::memcpy(p, scratch.data(), scratch.size());
    return {};
}

Result<void> StreamWriter::flush() {
    if (packet_events_ == 0) return {};
    std::uint8_t* p = buf_.data();
    p = put(p, kCtfMagic);
    std::memcpy(p, trace_uuid_.data(), trace_uuid_.size());
    p += trace_uuid_.size();
    p = put(p, class_->id);
    p = put(p, instance_id_);
    p = put(p, packet_begin_);
    p = put(p, last_ts_);
    const std::uint64_t bits = std::uint64_t{used_} * 8;
    p = put(p, bits);  // content_size
    p = put(p, bits);  // packet_size: no padding, packets are variable-sized
    p = put(p, seq_);
    p = put(p, stats_.discarded);
    for (std::size_t i = 0; i < class_->packet_context.size(); ++i) {
        const std::uint64_t v = context_values_[i];
        const std::size_t n = class_->packet_context[i].type->bits / 8u;
        std::memcpy(p, &v, n);  // little-endian truncation
        p += n;
    }
    const std::uint64_t events = packet_events_;
    const std::size_t size = used_;
    packet_events_ = 0;
    used_ = 0;
    ++seq_;
    if (fd_ < 0 && error_.empty()) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) error_ = path_ + ": cannot create: " + errno_text();
    }
    Result<void> r = fd_ >= 0 ? write_all(fd_, buf_.data(), size, path_) : Result<void>(make_error(error_));
    if (!r) {
        stats_.discarded += events;
        return r;
    }
    stats_.events += events;
    stats_.bytes += size;
    ++stats_.packets;
    return {};
}

TraceWriter::TraceWriter(std::string dir, TraceSchema schema, WriterOptions options)
    : dir_(std::move(dir)), schema_(std::move(schema)), options_(options) {}

TraceWriter::~TraceWriter() { (void)close(); }

Result<std::unique_ptr<TraceWriter>> TraceWriter::create(const std::string& dir, TraceSchema schema,
                                                         WriterOptions options) {
    if (auto r = make_directories(dir); !r) return r.error();
    for (const auto& s : schema.streams) {
        for (const auto& m : s.packet_context) {
            if (m.type->kind != ctf::Kind::Integer) {
                return make_error("stream class " + std::to_string(s.id) + ": packet context field '" +
                                  m.name + "' is not an integer");
            }
        }
    }
    if (auto r = write_file_atomically(dir + "/metadata", tsdl(schema)); !r) return r.error();
    return std::unique_ptr<TraceWriter>(new TraceWriter(dir, std::move(schema), options));
}

Result<StreamWriter*> TraceWriter::add_stream(std::uint32_t stream_class, const std::string& name,
                                              std::vector<std::uint64_t> context_values) {
    const StreamClass* sc = schema_.find_stream(stream_class);
    if (!sc) return make_error(dir_ + ": no stream class " + std::to_string(stream_class));
    if (name.empty() || name == "metadata" || name.find('/') != std::string::npos) {
        return make_error(dir_ + ": bad stream file name '" + name + "'");
    }
    std::lock_guard lock(mutex_);
    for (const auto& s : streams_) {
        if (s->path() == dir_ + "/" + name) return make_error(dir_ + "/" + name + ": stream exists");
    }
    streams_.push_back(std::make_unique<StreamWriter>(schema_, *sc, dir_ + "/" + name, streams_.size(),
                                                      std::move(context_values), options_));
    return streams_.back().get();
}

Result<void> TraceWriter::close() {
    std::lock_guard lock(mutex_);
    Result<void> first;
    for (auto& s : streams_) {
        if (auto r = s->flush(); !r && first) first = r;
    }
    return first;
}

StreamStats TraceWriter::totals() const {
    std::lock_guard lock(mutex_);
    StreamStats t;
    for (const auto& s : streams_) {
        const auto& st = s->stats();
        t.events += st.events;
        t.packets += st.packets;
        t.discarded += st.discarded;
        t.clamped += st.clamped;
        t.bytes += st.bytes;
    }
    return t;
}

}  // namespace vpmu::trace
