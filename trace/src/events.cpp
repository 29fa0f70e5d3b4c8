#include "trace/events.h"

#include <ctime>

namespace vpmu::trace {
namespace {

using namespace ctf;

std::vector<Member> sync_fields() { return {{"cnt", u32()}, {"vm_uid", u64()}}; }

// KVM_EXIT_* (linux/kvm.h) for the exit reasons this VMM sees.
TypePtr exit_reason_type() {
    return enumeration(u32(), {{"UNKNOWN", 0, 0},
                               {"EXCEPTION", 1, 1},
                               {"IO", 2, 2},
                               {"HYPERCALL", 3, 3},
                               {"DEBUG", 4, 4},
                               {"HLT", 5, 5},
                               {"MMIO", 6, 6},
                               {"IRQ_WINDOW_OPEN", 7, 7},
                               {"SHUTDOWN", 8, 8},
                               {"FAIL_ENTRY", 9, 9},
                               {"INTR", 10, 10},
                               {"INTERNAL_ERROR", 17, 17},
                               {"SYSTEM_EVENT", 24, 24},
                               {"X86_RDMSR", 29, 29},
                               {"X86_WRMSR", 30, 30},
                               {"X86_RDPMC", 38, 38}});  // kvm-patches/0003
}

}  // namespace

StreamClass host_stream_class() {
    StreamClass s;
    s.id = 0;
    s.packet_context = {{"tid", u32()}, {"vcpu", s32()}};
    const TypePtr delivery = enumeration(u8(), {{"NMI", 0, 0}, {"FIXED", 1, 1}});
    s.events = {
        {"vpmu_vcpu_entry", host_event::kVcpuEntry, {{"vcpu", u32()}}},
        {"vpmu_vcpu_exit", host_event::kVcpuExit,
         {{"vcpu", u32()}, {"reason", exit_reason_type()}, {"info", hex64()}}},
        {"vpmu_msr_access", host_event::kMsrAccess,
         {{"vcpu", u32()}, {"msr", hex32()}, {"value", hex64()}, {"write", u8()}, {"gp", u8()}}},
        {"vpmu_pmc_bind", host_event::kPmcBind,
         {{"vcpu", u32()}, {"counter", u32()}, {"slot", s32()}, {"period", u64()}}},
        {"vpmu_pmc_recall", host_event::kPmcRecall,
         {{"vcpu", u32()}, {"counter", u32()}, {"slot", s32()}, {"count", u64()}}},
        {"vpmu_pmc_rotate", host_event::kPmcRotate,
         {{"slots", u32()}, {"waiting", u32()}, {"moved", u32()}}},
        {"vpmu_counter_overflow", host_event::kCounterOverflow,
         {{"vcpu", u32()}, {"counter", u32()}, {"global_status", hex64()}}},
        {"vpmu_pmi_inject", host_event::kPmiInject,
         {{"vcpu", u32()}, {"delivery", delivery}, {"vector", u8()}, {"global_status", hex64()}}},
        {kVmsyncGhHost, host_event::kVmsyncGhHost, sync_fields()},
        {kVmsyncHgHost, host_event::kVmsyncHgHost, sync_fields()},
    };
    return s;
}

StreamClass guest_stream_class() {
    StreamClass s;
    s.id = 0;
    s.packet_context = {{"cpu_id", u32()}};
    s.events = {
        {kVmsyncGhGuest, guest_event::kVmsyncGhGuest, sync_fields()},
        {kVmsyncHgGuest, guest_event::kVmsyncHgGuest, sync_fields()},
        {"guest_pmi", guest_event::kPmi, {{"vcpu", u32()}, {"ip", hex64()}, {"status", hex64()}}},
        {"guest_sample", guest_event::kSample, {{"vcpu", u32()}, {"ip", hex64()}, {"counter", u32()}}},
        {"guest_mark", guest_event::kMark, {{"id", u32()}, {"value", u64()}}},
    };
    return s;
}

TraceSchema host_schema(const HostSchemaOptions& options) {
    TraceSchema t;
    t.trace_uuid = random_uuid();
    t.clock.name = "monotonic";
    t.clock.description = "CLOCK_MONOTONIC";
    t.clock.uuid = options.clock_uuid == Uuid{} ? host_boot_uuid() : options.clock_uuid;
    if (options.realtime_origin) {
        // Sampled back to back; the few ns between the reads do not matter
        // for an origin (LTTng does the same).
        timespec mono{}, real{};
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_REALTIME, &real);
        std::int64_t s = real.tv_sec - mono.tv_sec;
        std::int64_t ns = real.tv_nsec - mono.tv_nsec;
        if (ns < 0) {
            ns += 1'000'000'000;
            --s;
        }
        t.clock.offset_s = s;
        t.clock.offset_cycles = ns;
    }
    const std::string host = options.hostname.empty() ? local_hostname() : options.hostname;
    t.env = lttng_kernel_env(host, options.trace_name);
    t.env.push_back({"vpmu_domain", std::string("host")});
    t.streams.push_back(host_stream_class());
    return t;
}

TraceSchema guest_schema(const GuestSchemaOptions& options) {
    TraceSchema t;
    t.trace_uuid = random_uuid();
    t.clock.name = "guest";
    t.clock.description = "guest clock (guest TSC, guest calibration)";
    t.clock.uuid = uuid_from_u64(options.vm_uid, 0x67756573745f636bULL);
    t.clock.offset_s = options.clock_offset_ns / 1'000'000'000;
    t.clock.offset_cycles = options.clock_offset_ns % 1'000'000'000;
    char name[40];
    std::snprintf(name, sizeof name, "vpmu-guest-%016llx",
                  static_cast<unsigned long long>(options.vm_uid));
    t.env = lttng_kernel_env(options.hostname.empty() ? name : options.hostname, options.trace_name);
    t.env.push_back({"vpmu_domain", std::string("guest")});
    t.env.push_back({"vpmu_vm_uid", std::to_string(options.vm_uid)});
    t.streams.push_back(guest_stream_class());
    return t;
}

}  // namespace vpmu::trace
