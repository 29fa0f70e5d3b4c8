// A small JSON text builder for the summaries: objects and arrays nested by
// begin/end calls, numbers printed with the precision the values carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vpmu::trace {

class JsonWriter {
public:
    JsonWriter& begin_object(const char* key = nullptr);
    JsonWriter& end_object();
    JsonWriter& begin_array(const char* key = nullptr);
    JsonWriter& end_array();
    JsonWriter& value(const char* key, const std::string& v);
    JsonWriter& value(const char* key, const char* v) { return value(key, std::string(v)); }
    JsonWriter& value(const char* key, std::int64_t v);
    JsonWriter& value(const char* key, std::uint64_t v);
    JsonWriter& value(const char* key, int v) { return value(key, std::int64_t{v}); }
    JsonWriter& value(const char* key, bool v);
    // `digits` significant digits (slopes need ~19), or fixed decimals when
    // `fixed` (ns values).
    JsonWriter& number(const char* key, long double v, int digits = 17, bool fixed = false);
    JsonWriter& optional_number(const char* key, std::optional<long double> v, int digits = 17,
                                bool fixed = false);
    JsonWriter& null(const char* key);
    std::string str() const { return text_ + "\n"; }

private:
    void key(const char* k);
    std::string text_;
    std::vector<bool> first_{true};
    int depth_ = 0;
};

std::string json_escape(const std::string& s);

}  // namespace vpmu::trace
