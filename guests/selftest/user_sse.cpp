// Built as user code (SSE allowed): floating point in a user task.
#include <stdint.h>

uint64_t user_sse_sum(uint64_t n) {
    volatile double sum = 0;
    for (uint64_t i = 1; i <= n; ++i) sum = sum + double(i);
    return uint64_t(sum);
}
