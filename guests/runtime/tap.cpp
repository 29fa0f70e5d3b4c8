#include "rt/tap.h"

#include "rt/console.h"

namespace rt::tap {
namespace {

unsigned count;
unsigned failed;

void line(bool pass, const char* detail, const char* directive, const char* fmt, va_list ap) {
    ++count;
    if (!pass) ++failed;
    printf("%s %u - ", pass ? "ok" : "not ok", count);
    vprintf(fmt, ap);
    if (!pass && detail != nullptr) printf(": %s", detail);
    if (directive != nullptr) printf(" # %s", directive);
    putc('\n');
}

}  // namespace

bool report(bool pass, const char* detail, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    line(pass, detail, nullptr, fmt, ap);
    va_end(ap);
    return pass;
}

bool ok(bool pass, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    line(pass, nullptr, nullptr, fmt, ap);
    va_end(ap);
    return pass;
}

bool eq(uint64_t got, uint64_t want, const char* fmt, ...) {
    char detail[64];
    snprintf(detail, sizeof detail, "got 0x%lx, want 0x%lx", got, want);
    va_list ap;
    va_start(ap, fmt);
    line(got == want, detail, nullptr, fmt, ap);
    va_end(ap);
    return got == want;
}

void skip(const char* reason, const char* fmt, ...) {
    char directive[96];
    snprintf(directive, sizeof directive, "SKIP %s", reason);
    va_list ap;
    va_start(ap, fmt);
    line(true, nullptr, directive, fmt, ap);
    va_end(ap);
}

void diag(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    puts("# ");
    vprintf(fmt, ap);
    va_end(ap);
    putc('\n');
}

unsigned checks() { return count; }
unsigned failures() { return failed; }

int finish() {
    printf("1..%u\n# %u of %u checks failed\n", count, failed, count);
    return failed > unsigned(kMaxFailureStatus) ? kMaxFailureStatus : int(failed);
}

}  // namespace rt::tap
