#include "vpmu/precise_backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "vpmu/fake_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu {
namespace {

constexpr CounterId kPmc0 = CounterId::gp(0);
constexpr CounterId kPmc1 = CounterId::gp(1);
const CounterEvent kInstructions{ArchEvent::instructions, 0xC0, true, true};
const CounterEvent kBranches{ArchEvent::branch_instructions, 0xC4, true, true};
const CounterEvent kCycles{ArchEvent::core_cycles, 0x3C, true, true};

TEST(PreciseBackendTest, CountsEachRetiredInstructionAndOverflowsAtExactlyN) {
    PreciseBackend backend(nullptr);
    EXPECT_FALSE(backend.wants_single_step());
    ASSERT_TRUE(backend.start(kPmc0, kInstructions, 5).ok());
    EXPECT_TRUE(backend.wants_single_step());
    for (int i = 0; i < 4; ++i) backend.retire({true, false});
    EXPECT_EQ(backend.take_overflows(), 0u);
    backend.retire({true, false});
    EXPECT_EQ(backend.take_overflows(), kPmc0.bit()) << "at exactly the 5th instruction";
    EXPECT_EQ(backend.stop(kPmc0), 5u);
    EXPECT_FALSE(backend.wants_single_step());
}

TEST(PreciseBackendTest, BranchesAndRingsFilter) {
    PreciseBackend backend(nullptr);
    ASSERT_TRUE(backend.start(kPmc0, kBranches, 100).ok());
    ASSERT_TRUE(backend.start(kPmc1, CounterEvent{ArchEvent::instructions, 0xC0, true, false}, 100).ok());
    backend.retire({true, true});
    backend.retire({true, false});
    backend.retire({false, true});  // kernel branch: counted by PMC0 only
    EXPECT_EQ(backend.read(kPmc0), 2u);
    EXPECT_EQ(backend.read(kPmc1), 2u);
}

TEST(PreciseBackendTest, OtherEventsGoToTheFallback) {
    auto fallback = std::make_unique<FakeBackend>(0xFF & ~event_bit(ArchEvent::core_cycles));
    FakeBackend* fake = fallback.get();
    PreciseBackend backend(std::move(fallback));
    EXPECT_EQ(backend.unavailable_events(), 0xFFu & ~(event_bit(ArchEvent::core_cycles) |
                                                     event_bit(ArchEvent::instructions) |
                                                     event_bit(ArchEvent::branch_instructions)));
    ASSERT_TRUE(backend.start(kPmc1, kCycles, 10).ok());
    EXPECT_FALSE(backend.wants_single_step()) << "cycles need no stepping";
    fake->advance(kPmc1, 10);
    EXPECT_EQ(backend.take_overflows(), kPmc1.bit());
    EXPECT_EQ(backend.stop(kPmc1), 10u);
    EXPECT_FALSE(PreciseBackend(nullptr).start(kPmc1, kCycles, 10).ok());
}

// The model on the precise backend: a counter preset to -N overflows and
// asks for a PMI at exactly the N-th instruction.
TEST(PreciseBackendTest, ModelPmiAtTheProgrammedInstruction) {
    PreciseBackend backend(nullptr);
    Vpmu pmu(backend);
    pmu.configure(parse_pmu_spec("version=2,gp=2,gp-width=48").value());
    ASSERT_EQ(pmu.wrmsr(MsrIndex{msr::kPmc0}, static_cast<std::uint32_t>(-1000)), Access::ok);
    ASSERT_EQ(pmu.wrmsr(MsrIndex{msr::kPerfEvtSel0},
                        0xC0 | evtsel::kUsr | evtsel::kOs | evtsel::kInt | evtsel::kEnable),
              Access::ok);
    int retired = 0;
    while (!pmu.collect_overflows() && retired < 5000) {
        backend.retire({true, false});
        ++retired;
    }
    EXPECT_EQ(retired, 1000);
    EXPECT_EQ(pmu.rdmsr(MsrIndex{msr::kPmc0}), 0u);
}

struct Insn {
    std::vector<std::uint8_t> bytes;
    bool branch;
};

// Under a PMC pool the rotation thread starts and stops stepped counters
// while the vCPU thread retires instructions into the others: no overflow
// and no count of the untouched counter may be lost to the interleaving.
TEST(PreciseBackendTest, RotationOnAnotherThreadLosesNoOverflowOrCount) {
    PreciseBackend backend(nullptr);
    std::atomic<bool> done{false}, rotating{false};
    std::thread rotation([&] {
        rotating = true;
        while (!done.load(std::memory_order_relaxed)) {
            (void)backend.start(kPmc1, kInstructions, 1);
            (void)backend.stop(kPmc1);
        }
    });
    while (!rotating) std::this_thread::yield();
    constexpr int kRounds = 300000;
    int lost_overflows = 0, wrong_counts = 0;
    for (int round = 0; round < kRounds; ++round) {
        (void)backend.stop(kPmc0);
        ASSERT_TRUE(backend.start(kPmc0, kInstructions, 2).ok());
        backend.retire({false, false});
        backend.retire({false, false});
        if (!(backend.take_overflows() & kPmc0.bit())) ++lost_overflows;
        if (backend.read(kPmc0) != 2) ++wrong_counts;
    }
    done = true;
    rotation.join();
    EXPECT_EQ(lost_overflows, 0) << "of " << kRounds;
    EXPECT_EQ(wrong_counts, 0) << "of " << kRounds;
}

TEST(BranchDecoderTest, RecognisesBranchesThroughPrefixes) {
    const Insn cases[] = {
        {{0x75, 0xFE}, true},                          // jne rel8
        {{0x0F, 0x85, 0, 0, 0, 0}, true},              // jne rel32
        {{0xE8, 0, 0, 0, 0}, true},                    // call rel32
        {{0xC3}, true},                                // ret
        {{0xF3, 0xC3}, true},                          // rep ret
        {{0x41, 0xFF, 0xD3}, true},                    // call *%r11
        {{0xFF, 0xE0}, true},                          // jmp *%rax
        {{0x48, 0xCF}, true},                          // iretq
        {{0x0F, 0x05}, true},                          // syscall
        {{0xE2, 0xFE}, true},                          // loop
        {{0x48, 0xFF, 0xC0}, false},                   // inc %rax (FF /0)
        {{0xFF, 0x30}, false},                         // push (%rax) (FF /6)
        {{0x48, 0x89, 0xD8}, false},                   // mov %rbx,%rax
        {{0x0F, 0xA2}, false},                         // cpuid
        {{0x90}, false},                               // nop
        {{0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84}, false}, // long nop
        {{}, false},
    };
    for (const Insn& c : cases) {
        EXPECT_EQ(is_branch_instruction(c.bytes), c.branch) << "first byte " << std::hex
                                                             << (c.bytes.empty() ? -1 : c.bytes[0]);
    }
}

}  // namespace
}  // namespace vpmu
