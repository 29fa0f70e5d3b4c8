// printf-style formatting into a sink (the console or a buffer).
#include "rt/console.h"

#include <stdint.h>

namespace rt {
namespace {

struct Sink {
    void (*put)(Sink&, char);
    char* buf = nullptr;
    size_t size = 0;
    size_t len = 0;  // characters produced so far
};

// Console output is gathered so that a user task makes few system calls.
struct ConsoleSink : Sink {
    char chunk[128];
    void flush() {
        write(chunk, len % sizeof chunk);
    }
};

void put_console(Sink& s, char c) {
    auto& cs = static_cast<ConsoleSink&>(s);
    cs.chunk[cs.len % sizeof cs.chunk] = c;
    if (++cs.len % sizeof cs.chunk == 0) write(cs.chunk, sizeof cs.chunk);
}

void put_buffer(Sink& s, char c) {
    if (s.len + 1 < s.size) s.buf[s.len] = c;
    ++s.len;
}

struct Spec {
    bool left = false;
    bool zero = false;
    unsigned width = 0;
};

void pad(Sink& s, unsigned n, char c) {
    while (n-- > 0) s.put(s, c);
}

void emit(Sink& s, const Spec& spec, const char* text, unsigned n) {
    unsigned fill = spec.width > n ? spec.width - n : 0;
    if (!spec.left) {
        // Zero padding goes after a sign.
        if (spec.zero && n > 0 && text[0] == '-') {
            s.put(s, '-');
            ++text, --n;
        }
        pad(s, fill, spec.zero ? '0' : ' ');
    }
    for (unsigned i = 0; i < n; ++i) s.put(s, text[i]);
    if (spec.left) pad(s, fill, ' ');
}

void emit_number(Sink& s, const Spec& spec, uint64_t v, unsigned base, bool negative, bool upper) {
    char tmp[24];
    unsigned i = sizeof tmp;
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[--i] = digits[v % base];
        v /= base;
    } while (v != 0);
    if (negative) tmp[--i] = '-';
    emit(s, spec, tmp + i, unsigned(sizeof tmp - i));
}

void format(Sink& s, const char* fmt, va_list ap) {
    for (; *fmt != 0; ++fmt) {
        if (*fmt != '%') {
            s.put(s, *fmt);
            continue;
        }
        Spec spec;
        ++fmt;
        for (;; ++fmt) {
            if (*fmt == '-') spec.left = true;
            else if (*fmt == '0') spec.zero = true;
            else break;
        }
        while (*fmt >= '0' && *fmt <= '9') spec.width = spec.width * 10 + unsigned(*fmt++ - '0');
        unsigned longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs += *fmt == 'z' ? 2 : 1;
            ++fmt;
        }
        bool wide = longs > 0;  // long and long long are both 64-bit here
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int);
            bool neg = v < 0;
            emit_number(s, spec, neg ? uint64_t(0) - uint64_t(v) : uint64_t(v), 10, neg, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = wide ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            emit_number(s, spec, v, *fmt == 'u' ? 10 : 16, false, *fmt == 'X');
            break;
        }
        case 'p': {
            s.put(s, '0');
            s.put(s, 'x');
            emit_number(s, spec, uint64_t(va_arg(ap, void*)), 16, false, false);
            break;
        }
        case 's': {
            const char* str = va_arg(ap, const char*);
            if (str == nullptr) str = "(null)";
            unsigned n = 0;
            while (str[n] != 0) ++n;
            emit(s, spec, str, n);
            break;
        }
        case 'c': {
            char c = char(va_arg(ap, int));
            emit(s, spec, &c, 1);
            break;
        }
        case '%':
            s.put(s, '%');
            break;
        case 0:
            return;
        default:  // unknown conversion: show it
            s.put(s, '%');
            s.put(s, *fmt);
            break;
        }
    }
}

}  // namespace

void vprintf(const char* fmt, va_list ap) {
    ConsoleSink s;
    s.put = put_console;
    format(s, fmt, ap);
    s.flush();
}

void printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

size_t vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
    Sink s{put_buffer, buf, size};
    format(s, fmt, ap);
    if (size > 0) buf[s.len < size ? s.len : size - 1] = 0;
    return s.len;
}

size_t snprintf(char* buf, size_t size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace rt
