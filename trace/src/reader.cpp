#include "trace/reader.h"

#include <babeltrace2/babeltrace.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <deque>
#include <mutex>
#include <vector>

// libbabeltrace2 2.0 leaks small objects when bt_plugin_find() walks the
// plugin directory (plugins it loads and does not return). Programs built
// with LeakSanitizer that read traces would report them at exit; they are
// the library's, once per process, so LeakSanitizer is told to ignore them.
// Its fast unwinder often stops in glib (no frame pointers), hence glib too:
// only libbabeltrace2 uses glib in this project.
extern "C" __attribute__((weak, used)) const char* __lsan_default_suppressions() {
    return "leak:libbabeltrace2.so\nleak:libglib-2.0.so\n";
}

namespace vpmu::trace {
namespace {

// Plugins are loaded once per process and kept: dlopen per trace costs
// milliseconds and the handles would only be closed at exit anyway.
const bt_plugin* plugin(const char* name) {
    static std::map<std::string, const bt_plugin*> loaded;
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    auto it = loaded.find(name);
    if (it != loaded.end()) return it->second;
    // The CTF metadata parser reports syntax errors (with the line) only to
    // its log, whose level it takes from this variable when it loads; the
    // reader captures that log to build its error messages.
    ::setenv("BABELTRACE_PLUGIN_CTF_METADATA_LOG_LEVEL", "W", 0);
    const bt_plugin* p = nullptr;
    if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &p) != BT_PLUGIN_FIND_STATUS_OK) {
        p = nullptr;
    }
    loaded[name] = p;
    return p;
}

std::optional<std::int64_t> integer_value(const bt_field* f) {
    if (!f) return std::nullopt;
    const bt_field_class_type t = bt_field_get_class_type(f);
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
        return static_cast<std::int64_t>(bt_field_integer_unsigned_get_value(f));
    }
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
        return bt_field_integer_signed_get_value(f);
    }
    return std::nullopt;
}

std::string value_text(const bt_value* v) {
    switch (bt_value_get_type(v)) {
    case BT_VALUE_TYPE_STRING:
        return bt_value_string_get(v);
    case BT_VALUE_TYPE_SIGNED_INTEGER:
        return std::to_string(bt_value_integer_signed_get(v));
    case BT_VALUE_TYPE_UNSIGNED_INTEGER:
        return std::to_string(bt_value_integer_unsigned_get(v));
    default:
        return "";
    }
}

}  // namespace

std::optional<std::int64_t> struct_int(const bt_field* structure, const char* name) {
    if (!structure || bt_field_get_class_type(structure) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
        return std::nullopt;
    }
    return integer_value(bt_field_structure_borrow_member_field_by_name_const(structure, name));
}

std::string take_babeltrace_error(const std::string& context) {
    const bt_error* error = bt_current_thread_take_error();
    if (!error) return context;
    std::string text = context;
    // Causes are appended as the error travels up; the first is the root.
    const std::uint64_t n = bt_error_get_cause_count(error);
    for (std::uint64_t i = 0; i < n; ++i) {
        const bt_error_cause* cause = bt_error_borrow_cause_by_index(error, i);
        // The library's own causes describe its objects (addresses), not the trace.
        const char* module = bt_error_cause_get_module_name(cause);
        if (module && std::string(module) == "libbabeltrace2") continue;
        std::string message = bt_error_cause_get_message(cause);
        for (char& c : message) {
            if (c == '\n') c = ' ';
        }
        text += (text.size() == context.size() ? ": " : " <- ") + message;
    }
    bt_error_release(error);
    return text;
}

struct TraceReader::Impl {
    std::string dir;
    bt_graph* graph = nullptr;
    bt_message_iterator* iterator = nullptr;  // owned by the sink; valid while the graph lives
    std::deque<const bt_message*> pending;    // owned references
    const bt_message* current = nullptr;      // owned reference
    bool ended = false;
    bool error = false;

    ~Impl() {
        if (current) bt_message_put_ref(current);
        for (const bt_message* m : pending) bt_message_put_ref(m);
        if (graph) bt_graph_put_ref(graph);
    }

    static bt_graph_simple_sink_component_initialize_func_status init(bt_message_iterator* it, void* data) {
        static_cast<Impl*>(data)->iterator = it;
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
    }

    static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator* it, void* data) {
        auto* self = static_cast<Impl*>(data);
        bt_message_array_const msgs;
        std::uint64_t count = 0;
        switch (bt_message_iterator_next(it, &msgs, &count)) {
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
            for (std::uint64_t i = 0; i < count; ++i) self->pending.push_back(msgs[i]);
            return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
            self->ended = true;
            return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
            return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
            return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
        default:
            return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
        }
    }

    // Fills `pending` with the next batch; false at the end.
    Result<bool> refill() {
        while (pending.empty()) {
            if (ended) return false;
            const bt_graph_run_once_status s = bt_graph_run_once(graph);
            if (s == BT_GRAPH_RUN_ONCE_STATUS_END) ended = true;
            else if (s == BT_GRAPH_RUN_ONCE_STATUS_AGAIN || s == BT_GRAPH_RUN_ONCE_STATUS_OK) continue;
            else return make_error(take_babeltrace_error(dir + ": cannot read trace"));
        }
        return true;
    }
};

TraceReader::TraceReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { info_.dir = impl_->dir; }
TraceReader::~TraceReader() = default;

namespace {

// Builds src.ctf.fs → muxer → simple sink for `dir` into `impl`.
Result<void> build_graph(TraceReader::Impl& impl, const std::string& dir, bt_logging_level level) {
    const bt_plugin* ctf = plugin("ctf");
    const bt_plugin* utils = plugin("utils");
    if (!ctf || !utils) return make_error("babeltrace2 plugins 'ctf'/'utils' not found (install babeltrace2)");
    const bt_component_class_source* fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
    const bt_component_class_filter* muxer = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
    if (!fs || !muxer) return make_error("babeltrace2 components src.ctf.fs/flt.utils.muxer not found");

    impl.dir = dir;
    impl.graph = bt_graph_create(0);
    if (!impl.graph) return make_error(dir + ": cannot create a babeltrace2 graph");

    bt_value* params = bt_value_map_create();
    bt_value* inputs = nullptr;
    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs);
    bt_value_array_append_string_element(inputs, dir.c_str());
    const bt_component_source* source = nullptr;
    const auto add = bt_graph_add_source_component(impl.graph, fs, "source", params, level, &source);
    bt_value_put_ref(params);
    if (add != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        return make_error(take_babeltrace_error(dir + ": not a readable CTF trace"));
    }
    const bt_component_filter* mux = nullptr;
    if (bt_graph_add_filter_component(impl.graph, muxer, "muxer", nullptr, level, &mux) !=
        BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        return make_error(take_babeltrace_error(dir + ": cannot add the muxer"));
    }
    const bt_component_sink* sink = nullptr;
    if (bt_graph_add_simple_sink_component(impl.graph, "sink", TraceReader::Impl::init,
                                           TraceReader::Impl::consume, nullptr, &impl,
                                           &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        return make_error(take_babeltrace_error(dir + ": cannot add the sink"));
    }
    const std::uint64_t outputs = bt_component_source_get_output_port_count(source);
    if (outputs == 0) return make_error(dir + ": no stream files with events");
    for (std::uint64_t i = 0; i < outputs; ++i) {
        const bt_port_output* out = bt_component_source_borrow_output_port_by_index_const(source, i);
        const bt_port_input* in = bt_component_filter_borrow_input_port_by_index_const(mux, i);
        if (!in || bt_graph_connect_ports(impl.graph, out, in, nullptr) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
            return make_error(take_babeltrace_error(dir + ": cannot connect stream " + std::to_string(i)));
        }
    }
    if (bt_graph_connect_ports(impl.graph, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
                               bt_component_sink_borrow_input_port_by_index_const(sink, 0),
                               nullptr) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        return make_error(take_babeltrace_error(dir + ": cannot connect the sink"));
    }
    return {};
}

// Runs `body` with file descriptor 2 sent to a scratch file and returns
// the babeltrace2 plugin log lines it produced ("reason; reason"), minus any
// already in `known`. babeltrace2 puts the precise reason of a decoding
// failure (metadata line, stream file and packet offset) in its log, not in
// its error causes.
template <class Body>
std::string capture_plugin_log(const std::string& known, Body body) {
    std::fflush(stderr);
    const int saved = ::dup(2);
    FILE* log = std::tmpfile();
    if (saved < 0 || !log) {
        if (saved >= 0) ::close(saved);
        if (log) std::fclose(log);
        body();
        return "";
    }
    ::dup2(::fileno(log), 2);
    body();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::string details;
    std::rewind(log);
    char line[4096];
    while (std::fgets(line, sizeof line, log)) {
        std::string text = line;
        // "MM-DD HH:MM:SS.mmm PID TID L TAG func@file:line [comp] message"
        if (text.find(" PLUGIN/") == std::string::npos) continue;
        const std::size_t at = text.find('@');
        std::size_t msg = at == std::string::npos ? std::string::npos : text.find(' ', at);
        if (msg == std::string::npos) continue;
        text = text.substr(msg + 1);
        if (!text.empty() && text[0] == '[') {
            const std::size_t close = text.find("] ");
            if (close != std::string::npos) text = text.substr(close + 2);
        }
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (text.empty() || details.find(text) != std::string::npos ||
            known.find(text) != std::string::npos) {
            continue;
        }
        if (details.size() > 1500) break;
        details += (details.empty() ? "" : "; ") + text;
    }
    std::fclose(log);
    return details;
}

// A failure while reading events: read the trace again up to the failure
// with the log captured.
std::string diagnose(const std::string& dir, const std::string& known) {
    return capture_plugin_log(known, [&] {
        TraceReader::Impl impl;
        if (build_graph(impl, dir, BT_LOGGING_LEVEL_WARNING)) {
            for (;;) {
                auto more = impl.refill();
                for (const bt_message* m : impl.pending) bt_message_put_ref(m);
                impl.pending.clear();
                if (!more || !*more) break;
            }
        }
        (void)take_babeltrace_error("");
    });
}

Error with_diagnosis(const std::string& dir, Error error) {
    const std::string details = diagnose(dir, error.message);
    if (!details.empty()) error.message += " [babeltrace2: " + details + "]";
    return error;
}

}  // namespace

Result<std::unique_ptr<TraceReader>> TraceReader::open(const std::string& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return make_error(dir + ": not a trace directory");
    }
    if (::stat((dir + "/metadata").c_str(), &st) != 0) {
        return make_error(dir + "/metadata: missing (not a CTF trace)");
    }
    auto impl = std::make_unique<Impl>();
    Result<void> built;
    // Opening parses the metadata and indexes every packet: most defects show here.
    std::string details = capture_plugin_log("", [&] { built = build_graph(*impl, dir, BT_LOGGING_LEVEL_WARNING); });
    if (!built) {
        Error e = built.error();
        std::string extra;
        for (std::size_t pos = 0; pos < details.size();) {  // drop lines the causes already say
            std::size_t end = details.find("; ", pos);
            if (end == std::string::npos) end = details.size();
            const std::string piece = details.substr(pos, end - pos);
            if (e.message.find(piece) == std::string::npos) extra += (extra.empty() ? "" : "; ") + piece;
            pos = end + 2;
        }
        if (!extra.empty()) e.message += " [babeltrace2: " + extra + "]";
        return e;
    }
    // Read with a silent graph: a decoding error further on is reported once,
    // through diagnose(), not also on stderr.
    impl = std::make_unique<Impl>();
    if (auto r = build_graph(*impl, dir, BT_LOGGING_LEVEL_NONE); !r) return r.error();
    std::unique_ptr<TraceReader> reader(new TraceReader(std::move(impl)));
    reader->info_.warnings = details;
    // Read up to the first event so info() (clock, environment) is known.
    auto first = reader->advance();
    if (!first) return first.error();
    reader->peeked_ = true;
    reader->peeked_result_ = *first;
    return reader;
}

Result<bool> TraceReader::next() {
    if (peeked_) {
        peeked_ = false;
        if (peeked_result_) ++stats_.events;
        return peeked_result_;
    }
    auto r = advance();
    if (r && *r) ++stats_.events;
    return r;
}

Result<bool> TraceReader::advance() {
    Impl& d = *impl_;
    event_ = nullptr;
    for (;;) {
        if (d.current) {
            bt_message_put_ref(d.current);
            d.current = nullptr;
        }
        auto more = d.refill();
        if (!more) return with_diagnosis(d.dir, more.error());
        if (!*more) return false;
        d.current = d.pending.front();
        d.pending.pop_front();
        const bt_message* m = d.current;
        switch (bt_message_get_type(m)) {
        case BT_MESSAGE_TYPE_STREAM_BEGINNING: {
            const bt_stream* s = bt_message_stream_beginning_borrow_stream_const(m);
            const bt_trace* t = bt_stream_borrow_trace_const(s);
            if (info_.env.empty()) {
                const std::uint64_t n = bt_trace_get_environment_entry_count(t);
                for (std::uint64_t i = 0; i < n; ++i) {
                    const char* key = nullptr;
                    const bt_value* v = nullptr;
                    bt_trace_borrow_environment_entry_by_index_const(t, i, &key, &v);
                    info_.env[key] = value_text(v);
                }
            }
            const bt_clock_class* cc =
                bt_stream_class_borrow_default_clock_class_const(bt_stream_borrow_class_const(s));
            if (!cc) return make_error(d.dir + ": stream '" + (bt_stream_get_name(s) ? bt_stream_get_name(s) : "?") +
                                       "' has no clock: events without timestamps cannot be synchronized");
            if (info_.clock.frequency == 0) {
                info_.clock.name = bt_clock_class_get_name(cc) ? bt_clock_class_get_name(cc) : "";
                if (const std::uint8_t* u = bt_clock_class_get_uuid(cc)) {
                    Uuid uuid{};
                    std::copy(u, u + 16, uuid.begin());
                    info_.clock.uuid = uuid;
                }
                info_.clock.frequency = bt_clock_class_get_frequency(cc);
                bt_clock_class_get_offset(cc, &info_.clock.offset_s, &info_.clock.offset_cycles);
            }
            break;
        }
        case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
            std::uint64_t n = 0;
            if (bt_message_discarded_events_get_count(m, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE) {
                stats_.discarded_events += n;
            }
            break;
        }
        case BT_MESSAGE_TYPE_DISCARDED_PACKETS: {
            std::uint64_t n = 0;
            if (bt_message_discarded_packets_get_count(m, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE) {
                stats_.discarded_packets += n;
            }
            break;
        }
        case BT_MESSAGE_TYPE_EVENT: {
            const bt_event* e = bt_message_event_borrow_event_const(m);
            std::int64_t ns = 0;
            if (bt_clock_snapshot_get_ns_from_origin(bt_message_event_borrow_default_clock_snapshot_const(m),
                                                     &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
                return make_error(d.dir + ": event timestamp overflows 64-bit ns from origin");
            }
            event_ = e;
            const char* name = bt_event_class_get_name(bt_event_borrow_class_const(e));
            name_ = name ? name : "";
            ns_ = ns;
            stream_ = bt_event_borrow_stream_const(e);
            return true;
        }
        default:
            break;
        }
    }
}

std::optional<std::int64_t> TraceReader::field_int(const char* name) const {
    if (!event_) return std::nullopt;
    return struct_int(bt_event_borrow_payload_field_const(event_), name);
}

std::optional<std::uint64_t> TraceReader::field_uint(const char* name) const {
    auto v = field_int(name);
    if (!v) return std::nullopt;
    return static_cast<std::uint64_t>(*v);
}

std::optional<std::int64_t> TraceReader::packet_int(const char* name) const {
    if (!event_) return std::nullopt;
    const bt_packet* p = bt_event_borrow_packet_const(event_);
    if (!p) return std::nullopt;
    return struct_int(bt_packet_borrow_context_field_const(p), name);
}

}  // namespace vpmu::trace
