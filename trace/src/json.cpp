#include "trace/json.h"

#include <cmath>
#include <cstdio>

namespace vpmu::trace {

std::string json_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out;
}

void JsonWriter::key(const char* k) {
    if (!first_.back()) text_ += ",";
    first_.back() = false;
    if (depth_ > 0) text_ += "\n" + std::string(static_cast<std::size_t>(depth_) * 2, ' ');
    if (k) text_ += "\"" + json_escape(k) + "\": ";
}

JsonWriter& JsonWriter::begin_object(const char* k) {
    key(k);
    text_ += "{";
    first_.push_back(true);
    ++depth_;
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    --depth_;
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) text_ += "\n" + std::string(static_cast<std::size_t>(depth_) * 2, ' ');
    text_ += "}";
    return *this;
}

JsonWriter& JsonWriter::begin_array(const char* k) {
    key(k);
    text_ += "[";
    first_.push_back(true);
    ++depth_;
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    --depth_;
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) text_ += "\n" + std::string(static_cast<std::size_t>(depth_) * 2, ' ');
    text_ += "]";
    return *this;
}

JsonWriter& JsonWriter::value(const char* k, const std::string& v) {
    key(k);
    text_ += "\"" + json_escape(v) + "\"";
    return *this;
}

JsonWriter& JsonWriter::value(const char* k, std::int64_t v) {
    key(k);
    text_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(const char* k, std::uint64_t v) {
    key(k);
    text_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(const char* k, bool v) {
    key(k);
    text_ += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::number(const char* k, long double v, int digits, bool fixed) {
    if (!std::isfinite(v)) return null(k);
    key(k);
    char buf[64];
    std::snprintf(buf, sizeof buf, fixed ? "%.*Lf" : "%.*Lg", digits, v);
    text_ += buf;
    return *this;
}

JsonWriter& JsonWriter::optional_number(const char* k, std::optional<long double> v, int digits, bool fixed) {
    return v ? number(k, *v, digits, fixed) : null(k);
}

JsonWriter& JsonWriter::null(const char* k) {
    key(k);
    text_ += "null";
    return *this;
}

}  // namespace vpmu::trace
