// TSDL text for a TraceSchema (CTF 1.8 section 7). Every field is
// byte-aligned little-endian; payload field names get LTTng's leading
// underscore, which CTF readers (babeltrace2, Trace Compass) strip, so a field
// may be named like a TSDL keyword.
#include <sstream>

#include "trace/schema.h"

namespace vpmu::trace {
namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + '"';
}

// Built by appending: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
// `"literal" + std::string` chains.
std::string field_name(const std::string& name) {
    std::string out = "_";
    out += name;
    return out;
}

std::string integer_spec(const ctf::Type& t) {
    std::ostringstream o;
    o << "integer { size = " << unsigned(t.bits) << "; align = 8; signed = "
      << (t.is_signed ? "true" : "false") << "; byte_order = le; base = " << unsigned(t.base)
      << "; }";
    return o.str();
}

std::string type_spec(const ctf::Type& t, const std::string& indent);

std::string enum_spec(const ctf::Type& t, const std::string& indent) {
    std::ostringstream o;
    o << "enum : " << integer_spec(t) << " {\n";
    for (std::size_t i = 0; i < t.mappings.size(); ++i) {
        const auto& m = t.mappings[i];
        auto value = [&](std::int64_t v) {
            return t.is_signed ? std::to_string(v) : std::to_string(static_cast<std::uint64_t>(v));
        };
        o << indent << "\t" << quoted(m.label) << " = " << value(m.lo);
        if (m.hi != m.lo) o << " ... " << value(m.hi);
        o << (i + 1 < t.mappings.size() ? ",\n" : "\n");
    }
    o << indent << "}";
    return o.str();
}

std::string declaration(const ctf::Member& m, const std::string& indent) {
    // Arrays and sequences are declarators: `element name[len][len2]`.
    const ctf::Type* t = m.type.get();
    std::string dims;
    while (t->kind == ctf::Kind::Array || t->kind == ctf::Kind::Sequence) {
        dims += '[';
        dims += t->kind == ctf::Kind::Array ? std::to_string(t->length) : field_name(t->length_field);
        dims += ']';
        t = t->element.get();
    }
    std::string out = indent;
    out += type_spec(*t, indent);
    out += ' ';
    out += field_name(m.name);
    out += dims;
    out += ";\n";
    return out;
}

std::string struct_spec(const std::vector<ctf::Member>& members, const std::string& indent) {
    std::string o = "struct {\n";
    std::string inner = indent;
    inner += '\t';
    for (const auto& m : members) o += declaration(m, inner);
    o += indent;
    o += "} align(8)";
    return o;
}

std::string type_spec(const ctf::Type& t, const std::string& indent) {
    switch (t.kind) {
    case ctf::Kind::Integer:
        return t.mappings.empty() ? integer_spec(t) : enum_spec(t, indent);
    case ctf::Kind::Real:
        return t.bits == 32 ? "floating_point { exp_dig = 8; mant_dig = 24; align = 8; byte_order = le; }"
                            : "floating_point { exp_dig = 11; mant_dig = 53; align = 8; byte_order = le; }";
    case ctf::Kind::String:
        return "string { encoding = UTF8; }";
    case ctf::Kind::Struct:
        return struct_spec(t.members, indent);
    case ctf::Kind::Array:
    case ctf::Kind::Sequence:
        break;  // only as declarators (declaration())
    }
    return "struct { } align(8)";
}

}  // namespace

std::size_t packet_prologue_size(const StreamClass& stream) {
    std::size_t size = kPacketHeaderSize + 6 * 8;
    for (const auto& m : stream.packet_context) size += ctf::fixed_size(*m.type);
    return size;
}

std::string tsdl(const TraceSchema& schema) {
    std::ostringstream o;
    const std::string clock_int = "uint64_clock_" + schema.clock.name + "_t";
    o << "/* CTF 1.8 */\n\n"
      << "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
      << "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
      << "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
      << "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n\n"
      << "trace {\n\tmajor = 1;\n\tminor = 8;\n\tuuid = \"" << uuid_string(schema.trace_uuid)
      << "\";\n\tbyte_order = le;\n"
      << "\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t  uuid[16];\n"
      << "\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t} align(8);\n};\n\n";

    o << "env {\n";
    for (const auto& e : schema.env) {
        o << "\t" << e.key << " = ";
        if (const auto* i = std::get_if<std::int64_t>(&e.value)) o << *i;
        else o << quoted(std::get<std::string>(e.value));
        o << ";\n";
    }
    o << "};\n\n";

    const ClockClass& c = schema.clock;
    o << "clock {\n\tname = \"" << c.name << "\";\n\tuuid = \"" << uuid_string(c.uuid) << "\";\n";
    if (!c.description.empty()) o << "\tdescription = " << quoted(c.description) << ";\n";
    o << "\tfreq = " << c.frequency << ";\n\tprecision = 1;\n\toffset_s = " << c.offset_s
      << ";\n\toffset = " << c.offset_cycles << ";\n\tabsolute = " << (c.absolute ? "TRUE" : "FALSE")
      << ";\n};\n\n";
    o << "typealias integer { size = 64; align = 8; signed = false; map = clock." << c.name
      << ".value; } := " << clock_int << ";\n\n";

    for (const auto& s : schema.streams) {
        o << "stream {\n\tid = " << s.id << ";\n"
          << "\tevent.header := struct {\n\t\tuint16_t id;\n\t\t" << clock_int
          << " timestamp;\n\t} align(8);\n"
          << "\tpacket.context := struct {\n\t\t" << clock_int << " timestamp_begin;\n\t\t"
          << clock_int << " timestamp_end;\n"
          << "\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n"
          << "\t\tuint64_t packet_seq_num;\n\t\tuint64_t events_discarded;\n";
        for (const auto& m : s.packet_context) o << declaration(m, "\t\t");
        o << "\t} align(8);\n};\n\n";
        for (const auto& e : s.events) {
            o << "event {\n\tname = " << quoted(e.name) << ";\n\tid = " << e.id
              << ";\n\tstream_id = " << s.id << ";\n\tfields := " << struct_spec(e.fields, "\t")
              << ";\n};\n\n";
        }
    }
    return o.str();
}

}  // namespace vpmu::trace
