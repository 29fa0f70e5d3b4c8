#include "vpmu/precise_backend.h"

namespace vpmu {
namespace {

constexpr std::uint32_t kSteppedEvents =
    event_bit(ArchEvent::instructions) | event_bit(ArchEvent::branch_instructions);

}  // namespace

PreciseBackend::PreciseBackend(std::unique_ptr<CounterBackend> fallback) : fallback_(std::move(fallback)) {}

std::uint32_t PreciseBackend::unavailable_events() const {
    std::lock_guard lock(mutex_);
    std::uint32_t fallback = fallback_ ? fallback_->unavailable_events() : 0xFF;
    return fallback & ~kSteppedEvents;
}

bool PreciseBackend::stepped_event(const CounterEvent& event) {
    return event.arch && (event_bit(*event.arch) & kSteppedEvents);
}

Result<void> PreciseBackend::start(CounterId id, const CounterEvent& event, std::uint64_t period) {
    std::lock_guard lock(mutex_);
    if (!stepped_event(event)) {
        if (!fallback_) return make_error("precise backend: only instructions and branches are counted");
        return fallback_->start(id, event, period);
    }
    Stepped& s = stepped_.at(id.value);
    s = Stepped{true, *event.arch == ArchEvent::branch_instructions, event.count_user, event.count_kernel, 0,
                period};
    stepped_running_ |= id.bit();
    return {};
}

std::uint64_t PreciseBackend::read(CounterId id) {
    std::lock_guard lock(mutex_);
    if (stepped_running_ & id.bit()) return stepped_[id.value].count;
    return fallback_ ? fallback_->read(id) : 0;
}

std::uint64_t PreciseBackend::stop(CounterId id) {
    std::lock_guard lock(mutex_);
    if (stepped_running_ & id.bit()) {
        stepped_running_ &= ~id.bit();
        overflowed_ &= ~id.bit();
        stepped_[id.value].running = false;
        return stepped_[id.value].count;
    }
    return fallback_ ? fallback_->stop(id) : 0;
}

std::uint64_t PreciseBackend::take_overflows() {
    std::lock_guard lock(mutex_);
    std::uint64_t overflowed = overflowed_;
    overflowed_ = 0;
    if (fallback_) overflowed |= fallback_->take_overflows();
    return overflowed;
}

std::uint64_t PreciseBackend::take_dropped(Error& reason) {
    std::lock_guard lock(mutex_);
    return fallback_ ? fallback_->take_dropped(reason) : 0;
}

bool PreciseBackend::wants_single_step() const {
    std::lock_guard lock(mutex_);
    return stepped_running_ != 0;
}

std::uint64_t PreciseBackend::steps() const {
    std::lock_guard lock(mutex_);
    return steps_;
}

void PreciseBackend::retire(const RetiredInstruction& instruction) {
    std::lock_guard lock(mutex_);
    ++steps_;
    for (std::uint64_t mask = stepped_running_; mask; mask &= mask - 1) {
        unsigned bit = static_cast<unsigned>(__builtin_ctzll(mask));
        Stepped& s = stepped_[bit];
        if (instruction.user_mode ? !s.count_user : !s.count_kernel) continue;
        if (s.branches_only && !instruction.branch) continue;
        if (++s.count == s.period) overflowed_ |= std::uint64_t{1} << bit;
    }
}

bool is_branch_instruction(std::span<const std::uint8_t> bytes) {
    std::size_t i = 0;
    // Legacy prefixes (operand/address size, segment, lock, rep/bnd), then REX.
    auto is_prefix = [](std::uint8_t b) {
        return b == 0x66 || b == 0x67 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 || b == 0x64 ||
               b == 0x65 || b == 0xF0 || b == 0xF2 || b == 0xF3;
    };
    while (i < bytes.size() && i < 14 && is_prefix(bytes[i])) ++i;
    if (i < bytes.size() && (bytes[i] & 0xF0) == 0x40) ++i;
    if (i >= bytes.size()) return false;
    std::uint8_t op = bytes[i];
    if (op >= 0x70 && op <= 0x7F) return true;  // Jcc rel8
    if (op >= 0xE0 && op <= 0xE3) return true;  // LOOPNE, LOOPE, LOOP, JrCXZ
    switch (op) {
    case 0xE8: case 0xE9: case 0xEB:             // CALL rel, JMP rel
    case 0xC2: case 0xC3: case 0xCA: case 0xCB:  // RET, RETF
    case 0xCC: case 0xCD: case 0xCF:             // INT3, INT n, IRET
    case 0x9A: case 0xEA:                        // far CALL/JMP (outside 64-bit mode)
        return true;
    case 0xFF: {
        if (i + 1 >= bytes.size()) return false;
        unsigned reg = (bytes[i + 1] >> 3) & 7;  // FF /2 /3 CALL, /4 /5 JMP
        return reg >= 2 && reg <= 5;
    }
    case 0x0F: {
        if (i + 1 >= bytes.size()) return false;
        std::uint8_t op2 = bytes[i + 1];
        if (op2 >= 0x80 && op2 <= 0x8F) return true;  // Jcc rel32
        return op2 == 0x05 || op2 == 0x07 || op2 == 0x34 || op2 == 0x35;  // SYSCALL/SYSRET, SYSENTER/SYSEXIT
    }
    default:
        return false;
    }
}

}  // namespace vpmu
