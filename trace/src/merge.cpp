#include "trace/merge.h"

// GCC 12 reports std::variant members moved out of temporaries as "maybe
// uninitialized" (a known false positive, GCC bug 105562 and kin).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <babeltrace2/babeltrace.h>

#include <map>

#include "trace/events.h"
#include "trace/reader.h"
#include "trace/writer.h"

namespace vpmu::trace {
namespace {

struct Converter {
    std::uint64_t unsupported = 0;

    static std::uint8_t int_bits(std::uint64_t range) {
        return range <= 8 ? 8 : range <= 16 ? 16 : range <= 32 ? 32 : 64;
    }

    static std::uint8_t base_of(const bt_field_class* fc) {
        switch (bt_field_class_integer_get_preferred_display_base(fc)) {
        case BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_BINARY: return 2;
        case BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_OCTAL: return 8;
        case BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL: return 16;
        default: return 10;
        }
    }

    ctf::TypePtr type_of(const bt_field_class* fc) {
        const bt_field_class_type t = bt_field_class_get_type(fc);
        if (t == BT_FIELD_CLASS_TYPE_BOOL) return ctf::u8();
        if (t == BT_FIELD_CLASS_TYPE_BIT_ARRAY) return ctf::integer(64, false, 16);
        if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER)) {
            const bool is_signed = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
            auto type = ctf::integer(int_bits(bt_field_class_integer_get_field_value_range(fc)), is_signed,
                                     base_of(fc));
            if (!bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION)) return type;
            std::vector<ctf::EnumMapping> mappings;
            const std::uint64_t n = bt_field_class_enumeration_get_mapping_count(fc);
            for (std::uint64_t i = 0; i < n; ++i) {
                if (is_signed) {
                    const auto* m = bt_field_class_enumeration_signed_borrow_mapping_by_index_const(fc, i);
                    const char* label = bt_field_class_enumeration_mapping_get_label(
                        bt_field_class_enumeration_signed_mapping_as_mapping_const(m));
                    const auto* set = bt_field_class_enumeration_signed_mapping_borrow_ranges_const(m);
                    const std::uint64_t k = bt_integer_range_set_get_range_count(
                        bt_integer_range_set_signed_as_range_set_const(set));
                    for (std::uint64_t j = 0; j < k; ++j) {
                        const auto* r = bt_integer_range_set_signed_borrow_range_by_index_const(set, j);
                        mappings.push_back({label, bt_integer_range_signed_get_lower(r),
                                            bt_integer_range_signed_get_upper(r)});
                    }
                } else {
                    const auto* m = bt_field_class_enumeration_unsigned_borrow_mapping_by_index_const(fc, i);
                    const char* label = bt_field_class_enumeration_mapping_get_label(
                        bt_field_class_enumeration_unsigned_mapping_as_mapping_const(m));
                    const auto* set = bt_field_class_enumeration_unsigned_mapping_borrow_ranges_const(m);
                    const std::uint64_t k = bt_integer_range_set_get_range_count(
                        bt_integer_range_set_unsigned_as_range_set_const(set));
                    for (std::uint64_t j = 0; j < k; ++j) {
                        const auto* r = bt_integer_range_set_unsigned_borrow_range_by_index_const(set, j);
                        mappings.push_back({label, static_cast<std::int64_t>(bt_integer_range_unsigned_get_lower(r)),
                                            static_cast<std::int64_t>(bt_integer_range_unsigned_get_upper(r))});
                    }
                }
            }
            if (mappings.empty()) return type;
            return ctf::enumeration(type, std::move(mappings));
        }
        if (t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL) {
            auto r = std::make_shared<ctf::Type>(*ctf::real64());
            r->bits = 32;
            return r;
        }
        if (t == BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL) return ctf::real64();
        if (t == BT_FIELD_CLASS_TYPE_STRING) return ctf::string();
        if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) return ctf::structure(members_of(fc));
        if (t == BT_FIELD_CLASS_TYPE_STATIC_ARRAY) {
            return ctf::array(type_of(bt_field_class_array_borrow_element_field_class_const(fc)),
                              bt_field_class_array_static_get_length(fc));
        }
        return ctf::string();  // variants, options, length-less dynamic arrays (members_of handles the rest)
    }

    std::vector<ctf::Member> members_of(const bt_field_class* fc) {
        std::vector<ctf::Member> out;
        if (!fc) return out;
        const std::uint64_t n = bt_field_class_structure_get_member_count(fc);
        for (std::uint64_t i = 0; i < n; ++i) {
            const auto* m = bt_field_class_structure_borrow_member_by_index_const(fc, i);
            const std::string name = bt_field_class_structure_member_get_name(m);
            const bt_field_class* mfc = bt_field_class_structure_member_borrow_field_class_const(m);
            if (bt_field_class_type_is(bt_field_class_get_type(mfc), BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY)) {
                out.push_back({name + "__n", ctf::u32()});
                out.push_back({name, ctf::sequence(type_of(bt_field_class_array_borrow_element_field_class_const(mfc)),
                                                   name + "__n")});
            } else {
                out.push_back({name, type_of(mfc)});
            }
        }
        return out;
    }

    Value value_of(const bt_field* f) {
        const bt_field_class_type t = bt_field_get_class_type(f);
        if (t == BT_FIELD_CLASS_TYPE_BOOL) return Value(std::uint64_t{bt_field_bool_get_value(f) ? 1u : 0u});
        if (t == BT_FIELD_CLASS_TYPE_BIT_ARRAY) return Value(bt_field_bit_array_get_value_as_integer(f));
        if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
            return Value(bt_field_integer_signed_get_value(f));
        }
        if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
            return Value(bt_field_integer_unsigned_get_value(f));
        }
        if (t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL) return Value(double{bt_field_real_single_precision_get_value(f)});
        if (t == BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL) return Value(bt_field_real_double_precision_get_value(f));
        if (t == BT_FIELD_CLASS_TYPE_STRING) return Value(std::string(bt_field_string_get_value(f)));
        if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) return Value(members_values(f));
        if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
            Value::List items;
            const std::uint64_t n = bt_field_array_get_length(f);
            for (std::uint64_t i = 0; i < n; ++i) {
                items.push_back(value_of(bt_field_array_borrow_element_field_by_index_const(f, i)));
            }
            return Value(std::move(items));
        }
        ++unsupported;
        return Value(std::string("?"));
    }

    Value::List members_values(const bt_field* f) {
        Value::List out;
        if (!f) return out;
        const bt_field_class* fc = bt_field_borrow_class_const(f);
        const std::uint64_t n = bt_field_class_structure_get_member_count(fc);
        for (std::uint64_t i = 0; i < n; ++i) {
            const bt_field* m = bt_field_structure_borrow_member_field_by_index_const(f, i);
            if (bt_field_class_type_is(bt_field_get_class_type(m), BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY)) {
                out.push_back(Value(bt_field_array_get_length(m)));
            }
            out.push_back(value_of(m));
        }
        return out;
    }
};

bool standard_packet_field(const std::string& name) {
    return name == "timestamp_begin" || name == "timestamp_end" || name == "content_size" ||
           name == "packet_size" || name == "packet_seq_num" || name == "events_discarded";
}

// The stream classes of a trace, as output stream classes with ids from `first_id`.
void add_stream_classes(const bt_trace_class* tc, std::uint32_t first_id, std::uint8_t domain,
                        Converter& conv, TraceSchema& schema, std::map<std::uint64_t, std::uint32_t>& ids) {
    const ctf::TypePtr domain_type = ctf::enumeration(ctf::u8(), {{"host", 0, 0}, {"guest", 1, 1}});
    (void)domain;
    const std::uint64_t n = bt_trace_class_get_stream_class_count(tc);
    for (std::uint64_t i = 0; i < n; ++i) {
        const bt_stream_class* sc = bt_trace_class_borrow_stream_class_by_index_const(tc, i);
        StreamClass out;
        out.id = first_id + static_cast<std::uint32_t>(i);
        ids[bt_stream_class_get_id(sc)] = out.id;
        out.packet_context.push_back({"domain", domain_type});
        for (const auto& m : conv.members_of(bt_stream_class_borrow_packet_context_field_class_const(sc))) {
            if (m.type->kind == ctf::Kind::Integer && !standard_packet_field(m.name)) out.packet_context.push_back(m);
        }
        const std::uint64_t events = bt_stream_class_get_event_class_count(sc);
        for (std::uint64_t j = 0; j < events; ++j) {
            const bt_event_class* ec = bt_stream_class_borrow_event_class_by_index_const(sc, j);
            EventClass e;
            e.name = bt_event_class_get_name(ec) ? bt_event_class_get_name(ec) : "event";
            e.id = static_cast<std::uint16_t>(bt_event_class_get_id(ec));
            e.fields = conv.members_of(bt_event_class_borrow_payload_field_class_const(ec));
            out.events.push_back(std::move(e));
        }
        schema.streams.push_back(std::move(out));
    }
}

const bt_trace_class* trace_class_of(const TraceReader& r) {
    if (!r.event()) return nullptr;
    return bt_trace_borrow_class_const(bt_stream_borrow_trace_const(r.stream()));
}

std::string base_name(const char* path) {
    std::string s = path ? path : "stream";
    const auto slash = s.rfind('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

Result<MergeStats> merge_traces(const std::string& host_dir, const std::string& guest_dir,
                                const std::string& out_dir, const ClockLine& guest_to_host) {
    auto host = TraceReader::open(host_dir);
    if (!host) return host.error();
    auto guest = TraceReader::open(guest_dir);
    if (!guest) return guest.error();

    Converter conv;
    TraceSchema schema;
    schema.trace_uuid = random_uuid();
    const ClockInfo& hc = (*host)->info().clock;
    schema.clock.name = hc.name.empty() ? "monotonic" : hc.name;
    schema.clock.description = "host clock; guest events mapped by vpmu sync";
    schema.clock.uuid = hc.uuid.value_or(random_uuid());
    const std::int64_t origin_ns = hc.offset_s * 1'000'000'000 +
                                   static_cast<std::int64_t>(hc.frequency ? hc.offset_cycles * 1'000'000'000 / hc.frequency : 0);
    schema.clock.offset_s = origin_ns / 1'000'000'000;
    schema.clock.offset_cycles = origin_ns % 1'000'000'000;
    for (const auto& [k, v] : (*host)->info().env) {
        if (k.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789") != std::string::npos) continue;
        schema.env.push_back({k, v});
    }
    schema.env.push_back({"vpmu_merged", std::string("host + guest, guest mapped to the host clock")});
    schema.env.push_back({"vpmu_guest_trace", guest_dir});

    std::map<std::uint64_t, std::uint32_t> host_ids, guest_ids;
    const bt_trace_class* htc = trace_class_of(**host);
    const bt_trace_class* gtc = trace_class_of(**guest);
    if (htc) add_stream_classes(htc, 0, 0, conv, schema, host_ids);
    if (gtc) add_stream_classes(gtc, static_cast<std::uint32_t>(schema.streams.size()), 1, conv, schema, guest_ids);

    auto writer = TraceWriter::create(out_dir, schema);
    if (!writer) return writer.error();

    MergeStats stats;
    auto copy = [&](TraceReader& reader, bool is_guest, std::map<std::uint64_t, std::uint32_t>& ids) -> Result<void> {
        std::map<const bt_stream*, StreamWriter*> streams;
        unsigned index = 0;
        for (;;) {
            auto more = reader.next();
            if (!more) return more.error();
            if (!*more) return {};
            const bt_stream* s = reader.stream();
            auto it = streams.find(s);
            if (it == streams.end()) {
                const std::uint32_t out_id = ids[bt_stream_class_get_id(bt_stream_borrow_class_const(s))];
                const StreamClass* sc = schema.find_stream(out_id);
                std::vector<std::uint64_t> context{is_guest ? 1u : 0u};
                for (std::size_t i = 1; i < sc->packet_context.size(); ++i) {
                    context.push_back(static_cast<std::uint64_t>(
                        reader.packet_int(sc->packet_context[i].name.c_str()).value_or(0)));
                }
                const std::string name = std::string(is_guest ? "guest_" : "host_") + std::to_string(index++) +
                                         "_" + base_name(bt_stream_get_name(s));
                auto w = (*writer)->add_stream(out_id, name, std::move(context));
                if (!w) return w.error();
                it = streams.emplace(s, *w).first;
            }
            std::int64_t ns = reader.timestamp_ns();
            if (is_guest) ns = guest_to_host.apply(ns);
            std::int64_t value = ns - origin_ns;
            if (value < 0) {
                value = 0;
                ++stats.clamped;
            }
            const bt_event* e = reader.event();
            const Value payload(conv.members_values(bt_event_borrow_payload_field_const(e)));
            const auto id = static_cast<std::uint16_t>(bt_event_class_get_id(bt_event_borrow_class_const(e)));
            if (auto r = it->second->write(id, static_cast<std::uint64_t>(value), payload); !r) return r;
            ++(is_guest ? stats.guest_events : stats.host_events);
        }
    };
    if (auto r = copy(**host, false, host_ids); !r) return r.error();
    if (auto r = copy(**guest, true, guest_ids); !r) return r.error();
    if (auto r = (*writer)->close(); !r) return r.error();
    stats.unsupported_fields = conv.unsupported;
    return stats;
}

}  // namespace vpmu::trace
