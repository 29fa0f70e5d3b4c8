#include "trace/schema.h"

#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>

namespace vpmu::trace {

const EventClass* StreamClass::find(const std::string& name) const {
    for (const auto& e : events) {
        if (e.name == name) return &e;
    }
    return nullptr;
}

const StreamClass* TraceSchema::find_stream(std::uint32_t id) const {
    for (const auto& s : streams) {
        if (s.id == id) return &s;
    }
    return nullptr;
}

Uuid random_uuid() {
    Uuid u{};
    std::size_t got = 0;
    while (got < u.size()) {
        const ssize_t n = getrandom(u.data() + got, u.size() - got, 0);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got < u.size()) {  // no entropy source: time and pid still differ per run
        const std::uint64_t seed = static_cast<std::uint64_t>(std::time(nullptr)) ^
                                   (static_cast<std::uint64_t>(getpid()) << 32);
        return uuid_from_u64(seed, 0x9e3779b97f4a7c15ULL);
    }
    u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);
    u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);
    return u;
}

Uuid uuid_from_u64(std::uint64_t value, std::uint64_t salt) {
    // splitmix64 twice: a well-mixed, deterministic 128-bit pattern.
    auto mix = [](std::uint64_t x) {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    };
    const std::uint64_t a = mix(value ^ salt);
    const std::uint64_t b = mix(a ^ value);
    Uuid u{};
    for (int i = 0; i < 8; ++i) {
        u[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(a >> (8 * i));
        u[static_cast<std::size_t>(i + 8)] = static_cast<std::uint8_t>(b >> (8 * i));
    }
    u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);
    u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);
    return u;
}

bool parse_uuid(const std::string& text, Uuid& out) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size() && n < 32; ++i) {
        const char c = text[i];
        if (c == '-') continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return false;
        if (n % 2 == 0) out[n / 2] = static_cast<std::uint8_t>(v << 4);
        else out[n / 2] = static_cast<std::uint8_t>(out[n / 2] | v);
        ++n;
    }
    return n == 32;
}

Uuid host_boot_uuid() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string line;
    Uuid u{};
    if (in && std::getline(in, line) && parse_uuid(line, u)) return u;
    return random_uuid();
}

std::string uuid_string(const Uuid& u) {
    char buf[37];
    std::snprintf(buf, sizeof buf,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                  u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                  u[14], u[15]);
    return buf;
}

std::string local_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

std::vector<EnvEntry> lttng_kernel_env(const std::string& hostname, const std::string& trace_name) {
    std::vector<EnvEntry> env = {
        {"hostname", hostname},
        {"domain", std::string("kernel")},
        {"tracer_name", std::string("lttng-modules")},
        {"tracer_major", std::int64_t{2}},
        {"tracer_minor", std::int64_t{13}},
        {"tracer_patchlevel", std::int64_t{0}},
        {"trace_name", trace_name},
    };
    char when[32] = {};
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    if (gmtime_r(&now, &tm) && std::strftime(when, sizeof when, "%Y%m%dT%H%M%S+0000", &tm) > 0) {
        env.push_back({"trace_creation_datetime", std::string(when)});
    }
    utsname u{};
    if (uname(&u) == 0) {
        env.push_back({"sysname", std::string(u.sysname)});
        env.push_back({"kernel_release", std::string(u.release)});
    }
    return env;
}

}  // namespace vpmu::trace
