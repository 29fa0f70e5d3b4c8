/*
 * The bring-up guest: a few hundred instructions that exercise the VMM's
 * plumbing, driven by its PVH command line (one word per action, in order):
 *
 *   hello              print a greeting
 *   startinfo          print hvm_start_info: magic, version, memory map
 *   cpuid=LEAF         print CPUID.LEAF (subleaf 0)
 *   rdmsr=IDX          print the MSR's value, or "#GP"
 *   wrmsr=IDX:VAL      write the MSR; print "ok" or "#GP"
 *   ping               hypercall 0; print the reply
 *   hypercall=N        hypercall N; print the result
 *   inb=PORT           print the byte read from PORT
 *   uartprobe          a Linux 8250-style probe of the UART at 0x3f8
 *   bench-io=N, bench-rdmsr=N, bench-wrmsr=N, bench-empty=N
 *                      N port writes (hypercall ARG2), N RDMSR/WRMSR of
 *                      IA32_PMC0, or N empty loop turns; print the TSC
 *                      cycles they took (bench-rdmsr/wrmsr need a PMU)
 *   mmio               read guest-physical 0xc0000000 (not RAM)
 *   triple             raise #UD with no usable IDT: a triple fault
 *   spin               loop forever
 *   exit=N             write N to the debug-exit port
 *
 * Numbers are decimal or 0x-prefixed hex. The guest runs at CPL0 in 32-bit
 * protected mode without paging; after the words it exits with status 0,
 * or 3 on a word it does not know.
 */
#include <stdint.h>

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define HYPERCALL 0x600

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

void load_idt(void);
void load_null_idt(void);
int safe_msr(int write, uint32_t index, uint32_t* lo_hi);

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port) {
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void putc_(char c) {
    while ((inb(COM1 + 5) & 0x20) == 0) {
    } /* LSR.THRE */
    outb(COM1, (uint8_t)c);
}
static void puts_(const char* s) {
    while (*s) putc_(*s++);
}
static void puthex(uint64_t v) {
    puts_("0x");
    int started = 0;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned digit = (unsigned)(v >> shift) & 0xf;
        if (digit || started || shift == 0) {
            putc_("0123456789abcdef"[digit]);
            started = 1;
        }
    }
}

void unexpected_exception(uint32_t vector) {
    puts_("bringup: unexpected exception ");
    puthex(vector);
    puts_("\n");
    outb(DEBUG_EXIT, 99);
    for (;;) {
    }
}

static int word_is(const char* w, int len, const char* name) {
    int i = 0;
    for (; i < len && name[i]; ++i) {
        if (w[i] != name[i]) return 0;
    }
    return i == len && name[i] == 0;
}

/* Parses a decimal or 0x-hex number at *p, advancing *p. */
static uint64_t number(const char** p) {
    const char* s = *p;
    uint64_t v = 0;
    if (s[0] == '0' && s[1] == 'x') {
        for (s += 2;; ++s) {
            char c = *s;
            unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                         : 16;
            if (d == 16) break;
            v = (v << 4) | d;
        }
    } else {
        for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    return v;
}

static void print_start_info(const struct hvm_start_info* si) {
    puts_("startinfo magic=");
    puthex(si->magic);
    puts_(" version=");
    puthex(si->version);
    puts_(" memmap_entries=");
    puthex(si->memmap_entries);
    puts_("\n");
    const struct hvm_memmap_entry* e = (const struct hvm_memmap_entry*)(uintptr_t)si->memmap_paddr;
    for (uint32_t i = 0; i < si->memmap_entries; ++i) {
        puts_("memmap addr=");
        puthex(e[i].addr);
        puts_(" size=");
        puthex(e[i].size);
        puts_(" type=");
        puthex(e[i].type);
        puts_("\n");
    }
    puts_("cmdline='");
    puts_((const char*)(uintptr_t)si->cmdline_paddr);
    puts_("'\n");
}

static void print_cpuid(uint32_t leaf) {
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
    puts_("cpuid ");
    puthex(leaf);
    puts_(": eax=");
    puthex(a);
    puts_(" ebx=");
    puthex(b);
    puts_(" ecx=");
    puthex(c);
    puts_(" edx=");
    puthex(d);
    puts_("\n");
}

static void do_msr(int write, uint32_t index, uint64_t value) {
    uint32_t lo_hi[2] = {(uint32_t)value, (uint32_t)(value >> 32)};
    int faulted = safe_msr(write, index, lo_hi);
    puts_(write ? "wrmsr " : "rdmsr ");
    puthex(index);
    if (faulted) {
        puts_(" #GP\n");
    } else if (write) {
        puts_(" ok\n");
    } else {
        puts_(" = ");
        puthex(((uint64_t)lo_hi[1] << 32) | lo_hi[0]);
        puts_("\n");
    }
}

static uint32_t hypercall(uint32_t command) {
    outl(HYPERCALL, command);
    return inl(HYPERCALL);
}

/* A Linux 8250 autoconfig in miniature: scratch, IER and loopback. */
static void uart_probe(void) {
    const char* failed = 0;
    outb(COM1 + 7, 0xa5);
    if (inb(COM1 + 7) != 0xa5) failed = "scratch";
    outb(COM1 + 1, 0);
    if (!failed && (inb(COM1 + 1) & 0x0f) != 0) failed = "ier-clear";
    outb(COM1 + 1, 0x0f);
    if (!failed && (inb(COM1 + 1) & 0x0f) != 0x0f) failed = "ier-set";
    outb(COM1 + 1, 0);
    outb(COM1 + 4, 0x10 | 0x0a); /* loopback, RTS, OUT2 */
    if (!failed && (inb(COM1 + 6) & 0xf0) != 0x90) failed = "loopback";
    outb(COM1 + 4, 0x03);
    puts_("uartprobe ");
    puts_(failed ? failed : "ok");
    puts_("\n");
}

/* Tight loops (the loop itself is two emulated instructions at CPL0, the
 * same in each) so the difference to `empty` is the cost of the exit. */
static void bench(const char* name, int kind, uint32_t n) {
    uint64_t start = rdtsc();
    if (n != 0) {
        uint32_t count = n, a = 0, d = 0, c = 0xc1;
        if (kind == 1) {
            __asm__ volatile("1: outb %%al, %%dx; dec %0; jnz 1b"
                             : "+r"(count) : "a"(0), "d"(HYPERCALL + 12) : "memory");
        } else if (kind == 2) {
            __asm__ volatile("1: rdmsr; dec %0; jnz 1b"
                             : "+S"(count), "+a"(a), "+d"(d) : "c"(c) : "memory");
        } else if (kind == 3) {
            __asm__ volatile("1: wrmsr; dec %0; jnz 1b"
                             : "+S"(count) : "a"(a), "d"(d), "c"(c) : "memory");
        } else {
            __asm__ volatile("1: dec %0; jnz 1b" : "+r"(count) :: "memory");
        }
    }
    uint64_t cycles = rdtsc() - start;
    puts_("bench ");
    puts_(name);
    puts_(" n=");
    puthex(n);
    puts_(" cycles=");
    puthex(cycles);
    puts_("\n");
}

static int run_word(const char* w, int len) {
    const char* arg = w;
    while (arg < w + len && *arg != '=') ++arg;
    int name_len = (int)(arg - w);
    if (arg < w + len) ++arg;
    if (word_is(w, len, "hello")) {
        puts_("bringup: hello\n");
    } else if (word_is(w, name_len, "cpuid")) {
        print_cpuid((uint32_t)number(&arg));
    } else if (word_is(w, name_len, "rdmsr")) {
        do_msr(0, (uint32_t)number(&arg), 0);
    } else if (word_is(w, name_len, "wrmsr")) {
        uint32_t index = (uint32_t)number(&arg);
        if (*arg == ':') ++arg;
        do_msr(1, index, number(&arg));
    } else if (word_is(w, len, "ping")) {
        puts_("ping = ");
        puthex(hypercall(0));
        puts_("\n");
    } else if (word_is(w, name_len, "hypercall")) {
        uint32_t n = (uint32_t)number(&arg);
        puts_("hypercall ");
        puthex(n);
        puts_(" = ");
        puthex(hypercall(n));
        puts_("\n");
    } else if (word_is(w, name_len, "inb")) {
        uint16_t port = (uint16_t)number(&arg);
        puts_("inb ");
        puthex(port);
        puts_(" = ");
        puthex(inb(port));
        puts_("\n");
    } else if (word_is(w, len, "uartprobe")) {
        uart_probe();
    } else if (word_is(w, name_len, "bench-io")) {
        bench("io", 1, (uint32_t)number(&arg));
    } else if (word_is(w, name_len, "bench-rdmsr")) {
        bench("rdmsr", 2, (uint32_t)number(&arg));
    } else if (word_is(w, name_len, "bench-wrmsr")) {
        bench("wrmsr", 3, (uint32_t)number(&arg));
    } else if (word_is(w, name_len, "bench-empty")) {
        bench("empty", 4, (uint32_t)number(&arg));
    } else if (word_is(w, len, "mmio")) {
        volatile uint32_t* p = (volatile uint32_t*)0xc0000000u;
        puts_("mmio read ");
        puthex(*p);
        puts_("\n");
    } else if (word_is(w, len, "triple")) {
        load_null_idt();
        __asm__ volatile("ud2");
    } else if (word_is(w, len, "spin")) {
        for (;;) __asm__ volatile("" ::: "memory");
    } else if (word_is(w, name_len, "exit")) {
        outb(DEBUG_EXIT, (uint8_t)number(&arg));
        for (;;) {
        }
    } else {
        return 0;
    }
    return 1;
}

int guest_main(const struct hvm_start_info* si) {
    load_idt();
    if (si->magic != 0x336ec578) {
        puts_("bringup: bad hvm_start_info magic\n");
        return 4;
    }
    const char* p = (const char*)(uintptr_t)si->cmdline_paddr;
    if (*p == 0) p = "hello";
    for (;;) {
        while (*p == ' ') ++p;
        if (*p == 0) break;
        const char* w = p;
        while (*p && *p != ' ') ++p;
        int len = (int)(p - w);
        if (word_is(w, len, "startinfo")) {
            print_start_info(si);
        } else if (!run_word(w, len)) {
            puts_("bringup: unknown word\n");
            return 3;
        }
    }
    return 0;
}
