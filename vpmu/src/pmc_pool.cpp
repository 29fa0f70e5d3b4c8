#include "vpmu/pmc_pool.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <bit>

#include "trace/tracepoints.h"

namespace vpmu {
namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t scale(std::uint64_t value, std::uint64_t num, std::uint64_t den) {
    return den == 0 ? 0 : static_cast<std::uint64_t>(static_cast<u128>(value) * num / den);
}

}  // namespace

PmcPool::Clock thread_cpu_clock() {
    clockid_t clock{};
    pthread_getcpuclockid(pthread_self(), &clock);
    return [clock] {
        timespec ts{};
        clock_gettime(clock, &ts);
        return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
    };
}

// One virtual counter as the pool sees it. Until it first has to give up
// or wait for a slot, a counter is exact and costs no clock read. From
// then on ("multiplexed") its events since that moment are scaled by
// enabled/running time, measured from that moment on the owner's clock.
struct PmcPool::Entry {
    Client* owner = nullptr;
    CounterId id{0};
    bool started = false;
    bool bound = false;
    int slot = -1;  // while bound: the slot number the tracepoints show
    bool multiplexed = false;
    CounterEvent event;
    std::uint64_t period = 0;   // events to overflow, as the model asked
    std::uint64_t exact = 0;    // events counted before multiplexing began
    std::uint64_t counted = 0;     // host events of closed bound intervals since then
    std::uint64_t running_ns = 0;  // closed bound intervals since then
    std::uint64_t enabled_since = 0, running_since = 0;

    void begin_multiplexing(std::uint64_t now) {
        multiplexed = true;
        counted = running_ns = 0;
        enabled_since = now;
    }
};

class PmcPool::Client final : public CounterBackend {
public:
    Client(PmcPool& pool, CounterBackend& host, Clock clock, std::uint32_t owner)
        : pool_(pool), host_(host), timing_(dynamic_cast<CounterTiming*>(&host)), clock_(std::move(clock)),
          owner_(owner) {
        for (unsigned i = 0; i < entries_.size(); ++i) {
            entries_[i].owner = this;
            entries_[i].id = CounterId{i};
        }
    }
    ~Client() override { pool_.detach(*this); }

    std::uint32_t unavailable_events() const override { return host_.unavailable_events(); }

    Result<void> start(CounterId id, const CounterEvent& event, std::uint64_t period) override {
        std::lock_guard lock(pool_.mutex_);
        Entry& e = entries_.at(id.value);
        if (e.started) {  // restarted without a stop: drop the old binding
            if (e.bound) pool_.release(e);
            std::erase(pool_.waiting_, &e);
        }
        dropped_ &= ~id.bit();
        e.started = true;
        e.bound = e.multiplexed = false;
        e.event = event;
        e.period = period;
        e.exact = 0;
        if (pool_.bound_.size() < pool_.options_.slots) {
            auto started = host_.start(id, event, period);
            if (!started) {
                e.started = false;
                return started;
            }
            e.bound = true;
            e.slot = pool_.claim_slot();
            pool_.bound_.push_back(&e);
            ++pool_.stats_.binds;
            trace::tp::pmc_bind(owner_, id.value, e.slot, period);
        } else {
            e.begin_multiplexing(clock_());
            pool_.waiting_.push_back(&e);
            pool_.wake_.notify_one();
        }
        return {};
    }

    std::uint64_t read(CounterId id) override {
        std::lock_guard lock(pool_.mutex_);
        return estimate(entries_.at(id.value));
    }

    std::uint64_t stop(CounterId id) override {
        std::lock_guard lock(pool_.mutex_);
        Entry& e = entries_.at(id.value);
        if (!e.started) return 0;
        if (e.bound) pool_.release(e);
        std::uint64_t result = estimate(e);
        e.started = false;
        std::erase(pool_.waiting_, &e);
        pool_.fill_free_slots();
        return result;
    }

    std::uint64_t take_dropped(Error& reason) override {
        std::lock_guard lock(pool_.mutex_);
        std::uint64_t dropped = dropped_;
        dropped_ = 0;
        if (dropped) reason = drop_reason_;
        return dropped;
    }

    std::uint64_t take_overflows() override {
        // Called before every VM-entry: no lock unless something overflowed.
        std::uint64_t overflowed = host_.take_overflows();
        if (overflowed == 0) return 0;
        std::lock_guard lock(pool_.mutex_);
        std::uint64_t bound = 0;
        for (std::uint64_t m = overflowed; m; m &= m - 1) {
            const Entry& e = entries_[static_cast<unsigned>(std::countr_zero(m))];
            if (e.bound) bound |= e.id.bit();
        }
        return bound;
    }

    // Pool-side operations, called with the pool's mutex held.
    std::uint64_t now() const { return clock_(); }
    std::uint32_t owner() const { return owner_; }
    CounterBackend& host() { return host_; }
    std::array<Entry, 64>& entries() { return entries_; }

    std::uint64_t estimate(Entry& e) {
        std::uint64_t live = e.bound ? host_.read(e.id) : 0;
        if (!e.multiplexed) return e.exact + live;
        std::uint64_t t = clock_();
        std::uint64_t enabled = t - e.enabled_since;
        std::uint64_t running = e.running_ns + (e.bound ? bound_running_ns(e) : 0);
        return e.exact + scale(e.counted + live, enabled, running);
    }

    // The host refused to bind `e` when its turn came: it counts no more.
    // Its estimate freezes at `estimate` (as of the refusal) rather than
    // being extrapolated over time it never counted.
    void drop(Entry& e, std::uint64_t estimate, Error why) {
        e.exact = estimate;
        e.multiplexed = false;
        dropped_ |= e.id.bit();
        drop_reason_ = std::move(why);
    }

    // How long the host counter has counted in the current binding: from
    // the backend when it knows (atomically with its count), else from the
    // owner's clock.
    std::uint64_t bound_running_ns(const Entry& e) {
        return timing_ ? timing_->running_ns(e.id) : clock_() - e.running_since;
    }

private:
    PmcPool& pool_;
    CounterBackend& host_;
    CounterTiming* timing_;  // null when the host backend keeps no running time
    Clock clock_;
    std::uint32_t owner_;
    std::array<Entry, 64> entries_;
    std::uint64_t dropped_ = 0;  // CounterId bits, until take_dropped()
    Error drop_reason_;
};

PmcPool::PmcPool(Options options) : options_(options) {
    rotator_ = std::thread([this] { rotation_loop(); });
}

PmcPool::~PmcPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    rotator_.join();
}

std::unique_ptr<CounterBackend> PmcPool::attach(CounterBackend& host, Clock clock, std::uint32_t owner) {
    if (!clock) clock = thread_cpu_clock();
    return std::make_unique<Client>(*this, host, std::move(clock), owner);
}

// The lowest free slot number (bound_ never holds more than `slots` <= 64).
int PmcPool::claim_slot() {
    const int slot = std::countr_one(used_slots_);
    if (slot < 64) used_slots_ |= std::uint64_t{1} << slot;
    return slot;
}

void PmcPool::detach(Client& client) {
    std::lock_guard lock(mutex_);
    for (Entry& e : client.entries()) {
        if (e.bound) release(e);
        e.started = false;
        std::erase(waiting_, &e);
    }
    fill_free_slots();
}

// Binds a waiting counter: its host counter starts with the period left,
// converted to host events at the running/enabled ratio seen so far.
void PmcPool::bind(Entry& e) {
    Client& owner = *e.owner;
    std::uint64_t now = owner.now();
    std::uint64_t estimate = owner.estimate(e);
    std::uint64_t left = e.period > estimate ? e.period - estimate : 1;
    std::uint64_t enabled = now - e.enabled_since;
    std::uint64_t host_period = left;
    if (e.running_ns) host_period = std::max<std::uint64_t>(1, scale(left, e.running_ns, enabled));
    auto started = owner.host().start(e.id, e.event, host_period);
    if (!started) {
        ++stats_.bind_failures;
        last_error_ = started.error().message;
        owner.drop(e, estimate, started.error());
        return;
    }
    e.bound = true;
    e.slot = claim_slot();
    e.running_since = now;
    bound_.push_back(&e);
    ++stats_.binds;
    trace::tp::pmc_bind(owner.owner(), e.id.value, e.slot, host_period);
}

void PmcPool::release(Entry& e) {
    Client& owner = *e.owner;
    std::uint64_t events = owner.host().stop(e.id);
    if (e.multiplexed) {
        e.counted += events;
        e.running_ns += owner.bound_running_ns(e);
    } else {
        e.exact += events;
    }
    trace::tp::pmc_recall(owner.owner(), e.id.value, e.slot, events);
    if (e.slot >= 0 && e.slot < 64) used_slots_ &= ~(std::uint64_t{1} << e.slot);
    e.slot = -1;
    e.bound = false;
    std::erase(bound_, &e);
    ++stats_.releases;
}

void PmcPool::fill_free_slots() {
    while (bound_.size() < options_.slots && !waiting_.empty()) {
        Entry* e = waiting_.front();
        waiting_.pop_front();
        bind(*e);
    }
}

void PmcPool::rotate() {
    std::lock_guard lock(mutex_);
    if (waiting_.empty()) return;
    std::size_t swaps = std::min(waiting_.size(), bound_.size());
    for (std::size_t i = 0; i < swaps; ++i) {
        Entry* e = bound_.front();
        release(*e);
        if (!e->multiplexed) e->begin_multiplexing(e->owner->now());
        waiting_.push_back(e);
    }
    fill_free_slots();
    ++stats_.rotations;
    trace::tp::pmc_rotate(options_.slots, static_cast<std::uint32_t>(waiting_.size()),
                          static_cast<std::uint32_t>(swaps));
}

void PmcPool::rotation_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
        if (stopping_) break;
        wake_.wait_for(lock, options_.slice, [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        rotate();
        lock.lock();
    }
}

PmcPool::Stats PmcPool::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::string PmcPool::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

}  // namespace vpmu
