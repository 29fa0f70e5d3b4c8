// The convex-hull clock synchronization of Duda et al. and Poirier et al.,
// in the fully incremental form Trace Compass uses
// (SyncAlgorithmFullyIncremental; Jabbarifar et al., "Streaming mode
// incremental clock synchronization"), for one guest against its host.
//
// Each matched message is a point (x = guest ns, y = host ns). A message
// from the guest to the host is received after it was sent, so its point
// lies above the true transform y = f(x); one from the host to the guest
// lies below it. The transform is bounded by the lower convex hull of the
// "above" points and the upper convex hull of the "below" points: only hull
// vertices can constrain it, so they are all that is kept (memory bounded
// by the hulls, O(log n) vertices for random delays, not by the trace).
// Adding a point costs O(1) amortized when points come in time order.
//
// Among the lines that separate the hulls, the ones of maximum and minimum
// slope bound the transform; the estimate is their bisector (the average of
// the two lines, as Trace Compass). With exact integer cross products, a
// line of slope a separates the sets iff for every pair (b below, a above):
// a <= slope(b, a) when b is left of a, and a >= slope(a, b) when a is left
// of b. So alpha_max = min over the first kind, alpha_min = max over the
// second, and both are attained at hull vertices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vpmu::trace {

enum class SyncQuality { Accurate, Approximate, Incomplete, Fail };
const char* to_string(SyncQuality q);

// y = y_ref + c + slope * (x - x_ref), with x_ref / y_ref integers near the
// data so that nanosecond precision survives clocks with realtime origins.
struct ClockLine {
    long double slope = 1.0L;
    std::int64_t x_ref = 0;
    std::int64_t y_ref = 0;
    long double c = 0.0L;

    long double at(std::int64_t x) const {
        return static_cast<long double>(y_ref) + c + slope * static_cast<long double>(x - x_ref);
    }
    std::int64_t apply(std::int64_t x) const;  // rounded to the nearest ns
    // The intercept of `t_host = slope · t_guest + offset`.
    long double offset() const {
        return static_cast<long double>(y_ref) + c - slope * static_cast<long double>(x_ref);
    }
};

struct HullSyncResult {
    SyncQuality quality = SyncQuality::Fail;
    std::string reason;           // why, when not accurate
    ClockLine transform;          // guest ns -> host ns
    std::optional<ClockLine> max_slope_line;  // bounds (accurate/approximate)
    std::optional<ClockLine> min_slope_line;
    // Half the widest gap between the bounding lines over the span of the
    // matched points: the worst error of `transform` there if the clocks
    // relate linearly. Absent when a bound is missing.
    std::optional<long double> accuracy_ns;
    std::uint64_t pairs_gh = 0;  // guest→host pairs seen
    std::uint64_t pairs_hg = 0;  // host→guest pairs seen
    std::size_t hull_gh = 0;     // vertices kept
    std::size_t hull_hg = 0;
};

class HullSync {
public:
    // A guest→host message sent at guest time `guest_send`, received at host
    // time `host_receive` (vmsync_gh_guest → vmsync_gh_host).
    void add_guest_to_host(std::int64_t guest_send, std::int64_t host_receive);
    // A host→guest message (vmsync_hg_host → vmsync_hg_guest).
    void add_host_to_guest(std::int64_t host_send, std::int64_t guest_receive);

    HullSyncResult result() const;
    std::size_t hull_points() const { return above_.size() + below_.size(); }

private:
    struct Point {
        std::int64_t x;
        std::int64_t y;
    };
    // Lower convex hull, vertices sorted by x. The "below" points are kept
    // as a lower hull of (x, -y), which is their upper hull.
    static void insert_lower(std::vector<Point>& hull, Point p);
    Point relative(std::int64_t x, std::int64_t y);

    bool have_origin_ = false;
    std::int64_t x0_ = 0, y0_ = 0;  // first point: coordinates are kept relative to it
    std::int64_t x_min_ = 0, x_max_ = 0;
    std::vector<Point> above_;  // guest→host, lower hull of (x, y)
    std::vector<Point> below_;  // host→guest, lower hull of (x, -y)
    std::uint64_t n_above_ = 0, n_below_ = 0;
};

}  // namespace vpmu::trace
