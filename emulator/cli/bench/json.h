// A small JSON reader for what `vpmu bench` reads back: the RESULT and
// PROFILE lines of the workloads programs and `vpmu run --json` files.
// Numbers are doubles (the counts involved stay below 2^53).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vpmu/result.h"

namespace vpmu::cli::bench {

struct Json {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool flag = false;
    double num = 0;
    std::string str;
    std::vector<Json> items;                           // array
    std::vector<std::pair<std::string, Json>> fields;  // object, in order

    const Json* get(std::string_view key) const;
    double number(std::string_view key, double fallback = 0) const;
    std::string text(std::string_view key) const;
};

Result<Json> parse_json(std::string_view text);

// Text for a JSON string literal (quotes included).
std::string json_quote(std::string_view s);
// A finite double as JSON ("null" for NaN/inf), %.6g.
std::string json_number(double v);

}  // namespace vpmu::cli::bench
