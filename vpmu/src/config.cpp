#include "vpmu/config.h"

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "vpmu/hex.h"
#include "vpmu/msr.h"

namespace vpmu {
namespace {

constexpr unsigned kMinWidth = 16;
constexpr unsigned kMaxWidth = 48;

Error field_error(std::string_view field, std::string_view value, std::string_view legal) {
    return make_error("invalid PMU config: " + std::string(field) + "=" + std::string(value) +
                      " (legal: " + std::string(legal) + ")");
}

std::string range_text(unsigned lo, unsigned hi) {
    return std::to_string(lo) + ".." + std::to_string(hi);
}

unsigned max_fixed_counters(unsigned version) {
    if (version <= 1) return 0;
    return version >= 5 ? msr::kMaxFixedCounters : 3;
}

// Parses a decimal or 0x-prefixed hexadecimal unsigned number.
std::optional<std::uint64_t> parse_number(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    if (text.empty()) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Fields as given by the user, before version-dependent defaults apply.
struct Given {
    std::optional<std::uint64_t> version, gp, gp_width, fixed, fixed_width, events, full_width;
    bool off = false;
};

Result<void> take_pair(std::string_view item, Given& given) {
    item = trim(item);
    if (item.empty()) return {};
    if (item == "off") {
        given.off = true;
        return {};
    }
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
        return make_error("invalid PMU config: '" + std::string(item) +
                          "' is not key=value (keys: version, gp, gp-width, fixed, "
                          "fixed-width, events, full-width; or 'off')");
    }
    std::string_view key = trim(item.substr(0, eq));
    std::string_view text = trim(item.substr(eq + 1));
    std::optional<std::uint64_t>* slot = nullptr;
    if (key == "version") slot = &given.version;
    else if (key == "gp") slot = &given.gp;
    else if (key == "gp-width") slot = &given.gp_width;
    else if (key == "fixed") slot = &given.fixed;
    else if (key == "fixed-width") slot = &given.fixed_width;
    else if (key == "events") slot = &given.events;
    else if (key == "full-width") slot = &given.full_width;
    else {
        return make_error("invalid PMU config: unknown key '" + std::string(key) +
                          "' (keys: version, gp, gp-width, fixed, fixed-width, events, full-width)");
    }
    if (slot->has_value()) {
        return make_error("invalid PMU config: " + std::string(key) + " given twice");
    }
    auto number = parse_number(text);
    if (!number) return field_error(key, text, "a decimal or 0x-prefixed number");
    *slot = number;
    return {};
}

// Applies the defaults of the chosen version to what was not given, then
// checks every field. Values are checked before narrowing to unsigned.
Result<PmuConfig> finish(const Given& given) {
    bool any_field = given.version || given.gp || given.gp_width || given.fixed ||
                     given.fixed_width || given.events || given.full_width;
    if (given.off) {
        if (any_field) return make_error("invalid PMU config: 'off' cannot be combined with other keys");
        return PmuConfig::off();
    }
    auto value_or = [](const std::optional<std::uint64_t>& v, std::uint64_t fallback) {
        return v.value_or(fallback);
    };
    std::uint64_t version = value_or(given.version, 2);
    if (version < 1 || version > 5) {
        return field_error("version", std::to_string(version), "1..5");
    }
    // Only the fields that exist for this version are checked against their
    // ranges; version 1 has no fixed counters and no IA32_PERF_CAPABILITIES.
    struct Check {
        const char* key;
        std::uint64_t value;
        std::uint64_t lo, hi;
    };
    PmuConfig c;
    c.version = static_cast<unsigned>(version);
    unsigned max_fixed = max_fixed_counters(c.version);
    Check checks[] = {
        {"gp", value_or(given.gp, 4), 0, msr::kMaxGpCounters},
        {"gp-width", value_or(given.gp_width, 48), kMinWidth, kMaxWidth},
        {"fixed", value_or(given.fixed, max_fixed == 0 ? 0 : 3), 0, max_fixed},
        {"fixed-width", value_or(given.fixed_width, max_fixed == 0 ? 0 : 48),
         max_fixed == 0 ? 0 : kMinWidth, max_fixed == 0 ? 0 : kMaxWidth},
        {"full-width", value_or(given.full_width, c.version >= 2 ? 1 : 0), 0,
         c.version >= 2 ? 1u : 0u},
    };
    for (const Check& check : checks) {
        if (check.value < check.lo || check.value > check.hi) {
            std::string legal = range_text(static_cast<unsigned>(check.lo), static_cast<unsigned>(check.hi));
            if (max_fixed == 0 && std::string_view(check.key).starts_with("fixed")) {
                legal = "0: version 1 has no fixed counters";
            } else if (c.version < 2 && std::string_view(check.key) == "full-width") {
                legal = "0: version 1 has no IA32_PERF_CAPABILITIES";
            }
            return field_error(check.key, std::to_string(check.value), legal);
        }
    }
    c.gp_counters = static_cast<unsigned>(checks[0].value);
    c.gp_width = static_cast<unsigned>(checks[1].value);
    c.fixed_counters = static_cast<unsigned>(checks[2].value);
    c.fixed_width = static_cast<unsigned>(checks[3].value);
    c.full_width_writes = checks[4].value != 0;
    std::uint64_t events = value_or(given.events, 0);
    std::uint64_t events_mask = (std::uint64_t{1} << c.event_vector_length()) - 1;
    if (events & ~events_mask) {
        return field_error("events", to_hex(events),
                           "a mask within " + to_hex(events_mask) + " for version " +
                               std::to_string(c.version));
    }
    c.unavailable_events = static_cast<std::uint32_t>(events);
    if (auto ok = c.validate(); !ok) return ok.error();
    return c;
}

template <class Splitter>
Result<PmuConfig> parse_items(std::string_view text, Splitter split_lines) {
    Given given;
    for (std::string_view line : split_lines(text)) {
        std::size_t start = 0;
        while (start <= line.size()) {
            std::size_t comma = line.find(',', start);
            if (comma == std::string_view::npos) comma = line.size();
            if (auto ok = take_pair(line.substr(start, comma - start), given); !ok) return ok.error();
            start = comma + 1;
        }
    }
    return finish(given);
}

}  // namespace

PmuConfig PmuConfig::off() {
    PmuConfig c;
    c.enabled = false;
    c.version = 0;
    c.gp_counters = c.gp_width = c.fixed_counters = c.fixed_width = 0;
    c.unavailable_events = 0;
    c.full_width_writes = false;
    return c;
}

Result<void> PmuConfig::validate() const {
    if (!enabled) {
        if (*this == off()) return {};
        return make_error("invalid PMU config: a disabled PMU must have every field zero");
    }
    auto bad = [](const char* field, unsigned value, std::string legal) -> Result<void> {
        return field_error(field, std::to_string(value), legal);
    };
    if (version < 1 || version > 5) return bad("version", version, "1..5");
    if (gp_counters > msr::kMaxGpCounters) return bad("gp", gp_counters, range_text(0, msr::kMaxGpCounters));
    if (gp_width < kMinWidth || gp_width > kMaxWidth) return bad("gp-width", gp_width, range_text(kMinWidth, kMaxWidth));
    unsigned max_fixed = max_fixed_counters(version);
    if (fixed_counters > max_fixed) return bad("fixed", fixed_counters, range_text(0, max_fixed));
    if (max_fixed == 0 && fixed_width != 0) return bad("fixed-width", fixed_width, "0 for version 1");
    // A width of 0 is what a leaf without fixed counters may report.
    bool no_width_needed = fixed_counters == 0 && fixed_width == 0;
    if (max_fixed != 0 && !no_width_needed && (fixed_width < kMinWidth || fixed_width > kMaxWidth)) {
        return bad("fixed-width", fixed_width, range_text(kMinWidth, kMaxWidth));
    }
    if (unavailable_events >> event_vector_length()) {
        return bad("events", unavailable_events, "bits below " + std::to_string(event_vector_length()));
    }
    if (full_width_writes && version < 2) return bad("full-width", 1, "0 for version 1");
    return {};
}

std::string PmuConfig::to_spec() const {
    if (!enabled) return "off";
    std::ostringstream s;
    s << "version=" << version << ",gp=" << gp_counters << ",gp-width=" << gp_width;
    if (version >= 2) s << ",fixed=" << fixed_counters << ",fixed-width=" << fixed_width;
    s << ",events=" << to_hex(unavailable_events);
    if (version >= 2) s << ",full-width=" << (full_width_writes ? 1 : 0);
    return s.str();
}

Result<PmuConfig> parse_pmu_spec(std::string_view spec) {
    if (trim(spec).empty()) return make_error("invalid PMU config: empty spec (use 'off' or key=value,...)");
    return parse_items(spec, [](std::string_view text) { return std::vector<std::string_view>{text}; });
}

Result<PmuConfig> parse_pmu_file_text(std::string_view text) {
    return parse_items(text, [](std::string_view all) {
        std::vector<std::string_view> lines;
        std::size_t start = 0;
        while (start < all.size()) {
            std::size_t nl = all.find('\n', start);
            if (nl == std::string_view::npos) nl = all.size();
            std::string_view line = all.substr(start, nl - start);
            if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
            lines.push_back(line);
            start = nl + 1;
        }
        return lines;
    });
}

Result<PmuConfig> load_pmu_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("cannot read PMU config file '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    auto config = parse_pmu_file_text(text.str());
    if (!config) return make_error(path + ": " + config.error().message);
    return config;
}

}  // namespace vpmu
