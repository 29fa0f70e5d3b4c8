#include "cli/bench/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vpmu::cli::bench {
namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<Json> document() {
        auto v = value();
        if (!v) return v;
        skip_space();
        if (at_ != text_.size()) return fail("trailing characters");
        return v;
    }

private:
    Error fail(const std::string& what) const {
        return Error{"JSON: " + what + " at offset " + std::to_string(at_)};
    }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' ||
                                      text_[at_] == '\r')) {
            ++at_;
        }
    }
    bool take(char c) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    bool take_word(std::string_view w) {
        if (text_.substr(at_, w.size()) != w) return false;
        at_ += w.size();
        return true;
    }

    Result<std::string> string() {
        if (!take('"')) return fail("string expected");
        std::string out;
        while (at_ < text_.size() && text_[at_] != '"') {
            char c = text_[at_++];
            if (c == '\\' && at_ < text_.size()) {
                const char e = text_[at_++];
                c = e == 'n' ? '\n' : e == 't' ? '\t' : e;  // \uXXXX is not needed here
            }
            out += c;
        }
        if (!take('"')) return fail("unterminated string");
        return out;
    }

    Result<Json> value() {
        if (++depth_ > 64) return fail("nested too deep");
        skip_space();
        Json j;
        if (at_ >= text_.size()) return fail("value expected");
        const char c = text_[at_];
        if (c == '{') {
            ++at_;
            j.kind = Json::Kind::object;
            if (!take('}')) {
                do {
                    auto key = string();
                    if (!key) return key.error();
                    if (!take(':')) return fail("':' expected");
                    auto v = value();
                    if (!v) return v;
                    j.fields.emplace_back(std::move(*key), std::move(*v));
                } while (take(','));
                if (!take('}')) return fail("'}' expected");
            }
        } else if (c == '[') {
            ++at_;
            j.kind = Json::Kind::array;
            if (!take(']')) {
                do {
                    auto v = value();
                    if (!v) return v;
                    j.items.push_back(std::move(*v));
                } while (take(','));
                if (!take(']')) return fail("']' expected");
            }
        } else if (c == '"') {
            auto s = string();
            if (!s) return s.error();
            j.kind = Json::Kind::string;
            j.str = std::move(*s);
        } else if (take_word("true") || take_word("false")) {
            j.kind = Json::Kind::boolean;
            j.flag = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
        } else if (take_word("null")) {
            j.kind = Json::Kind::null;
        } else {
            const std::string rest(text_.substr(at_, 40));
            char* end = nullptr;
            j.num = std::strtod(rest.c_str(), &end);
            if (end == rest.c_str()) return fail("value expected");
            at_ += static_cast<std::size_t>(end - rest.c_str());
            j.kind = Json::Kind::number;
        }
        --depth_;
        return j;
    }

    std::string_view text_;
    std::size_t at_ = 0;
    int depth_ = 0;
};

}  // namespace

const Json* Json::get(std::string_view key) const {
    for (const auto& [k, v] : fields) {
        if (k == key) return &v;
    }
    return nullptr;
}

double Json::number(std::string_view key, double fallback) const {
    const Json* v = get(key);
    return v && v->kind == Kind::number ? v->num : fallback;
}

std::string Json::text(std::string_view key) const {
    const Json* v = get(key);
    return v && v->kind == Kind::string ? v->str : std::string();
}

Result<Json> parse_json(std::string_view text) { return Parser(text).document(); }

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out + "\"";
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace vpmu::cli::bench
