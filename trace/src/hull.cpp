#include "trace/hull.h"

#include <algorithm>
#include <cmath>

namespace vpmu::trace {
namespace {

// Cross products of ns differences need 128 bits (GCC/Clang extension).
__extension__ typedef __int128 i128;

// A slope dy/dx with dx > 0, compared exactly.
struct Slope {
    std::int64_t dy;
    std::int64_t dx;
    long double value() const { return static_cast<long double>(dy) / static_cast<long double>(dx); }
};
bool less(const Slope& a, const Slope& b) { return i128{a.dy} * b.dx < i128{b.dy} * a.dx; }

}  // namespace

const char* to_string(SyncQuality q) {
    switch (q) {
    case SyncQuality::Accurate: return "accurate";
    case SyncQuality::Approximate: return "approximate";
    case SyncQuality::Incomplete: return "incomplete";
    case SyncQuality::Fail: return "fail";
    }
    return "fail";
}

std::int64_t ClockLine::apply(std::int64_t x) const {
    const long double rel = c + slope * static_cast<long double>(x - x_ref);
    return y_ref + static_cast<std::int64_t>(std::llroundl(rel));
}

HullSync::Point HullSync::relative(std::int64_t x, std::int64_t y) {
    if (!have_origin_) {
        have_origin_ = true;
        x0_ = x;
        y0_ = y;
        x_min_ = x_max_ = 0;
    }
    const Point p{x - x0_, y - y0_};
    x_min_ = std::min(x_min_, p.x);
    x_max_ = std::max(x_max_, p.x);
    return p;
}

void HullSync::add_guest_to_host(std::int64_t guest_send, std::int64_t host_receive) {
    ++n_above_;
    insert_lower(above_, relative(guest_send, host_receive));
}

void HullSync::add_host_to_guest(std::int64_t host_send, std::int64_t guest_receive) {
    ++n_below_;
    const Point p = relative(guest_receive, host_send);
    insert_lower(below_, {p.x, -p.y});
}

void HullSync::insert_lower(std::vector<Point>& hull, Point p) {
    // > 0: o→a→b turns counter-clockwise (b above the line o→a, going right).
    auto cross = [](const Point& o, const Point& a, const Point& b) {
        return i128{a.x - o.x} * (b.y - o.y) - i128{a.y - o.y} * (b.x - o.x);
    };
    auto it = std::lower_bound(hull.begin(), hull.end(), p.x,
                               [](const Point& q, std::int64_t x) { return q.x < x; });
    if (it != hull.end() && it->x == p.x) {
        if (it->y <= p.y) return;  // not lower than the vertex already there
        it = hull.erase(it);
    }
    std::size_t i = static_cast<std::size_t>(it - hull.begin());
    if (i > 0 && i < hull.size() && cross(hull[i - 1], hull[i], p) >= 0) return;  // inside
    hull.insert(hull.begin() + static_cast<std::ptrdiff_t>(i), p);
    while (i >= 2 && cross(hull[i - 2], hull[i - 1], hull[i]) <= 0) {
        hull.erase(hull.begin() + static_cast<std::ptrdiff_t>(i - 1));
        --i;
    }
    while (i + 2 < hull.size() && cross(hull[i], hull[i + 1], hull[i + 2]) <= 0) {
        hull.erase(hull.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
}

HullSyncResult HullSync::result() const {
    HullSyncResult r;
    r.pairs_gh = n_above_;
    r.pairs_hg = n_below_;
    r.hull_gh = above_.size();
    r.hull_hg = below_.size();
    r.transform.x_ref = x0_;
    r.transform.y_ref = y0_;

    std::vector<Point> below;  // back to (x, y): upper hull of the host→guest points
    below.reserve(below_.size());
    for (const Point& p : below_) below.push_back({p.x, -p.y});
    const std::vector<Point>& above = above_;

    auto line_rel = [&](Point through, long double slope) {
        ClockLine l;
        l.slope = slope;
        l.x_ref = x0_ + through.x;
        l.y_ref = y0_ + through.y;
        return l;
    };
    // One-sided slope estimate: the hull's chord (Trace Compass averages the
    // hull's segment slopes weighted by their lengths, which is the chord).
    auto chord = [](const std::vector<Point>& h) {
        if (h.size() < 2) return 1.0L;
        return Slope{h.back().y - h.front().y, h.back().x - h.front().x}.value();
    };
    // For a slope s, the feasible intercepts (relative) are [lo, hi].
    auto intercepts = [&](long double s, long double& lo, long double& hi) {
        lo = -INFINITY;
        hi = INFINITY;
        for (const Point& b : below) lo = std::max(lo, static_cast<long double>(b.y) - s * b.x);
        for (const Point& a : above) hi = std::min(hi, static_cast<long double>(a.y) - s * a.x);
    };

    if (above.empty() && below.empty()) {
        r.quality = SyncQuality::Fail;
        r.reason = "no matched sync pairs";
        r.transform = ClockLine{};
        return r;
    }
    if (above.empty() || below.empty()) {
        r.quality = SyncQuality::Incomplete;
        r.reason = above.empty() ? "no guest-to-host pairs: offset only bounded from above"
                                 : "no host-to-guest pairs: offset only bounded from below";
        const long double s = chord(above.empty() ? below : above);
        long double lo, hi;
        intercepts(s, lo, hi);
        r.transform.slope = s;
        r.transform.c = above.empty() ? lo : hi;  // the hull's supporting line
        return r;
    }

    std::optional<Slope> amax, amin;
    Point amax_at{}, amin_at{};
    bool crossed = false;
    for (const Point& a : above) {
        for (const Point& b : below) {
            if (b.x < a.x) {
                const Slope s{a.y - b.y, a.x - b.x};
                if (!amax || less(s, *amax)) {
                    amax = s;
                    amax_at = b;
                }
            } else if (a.x < b.x) {
                const Slope s{b.y - a.y, b.x - a.x};
                if (!amin || less(*amin, s)) {
                    amin = s;
                    amin_at = a;
                }
            } else if (b.y > a.y) {
                crossed = true;
            }
        }
    }
    if (amax) r.max_slope_line = line_rel(amax_at, amax->value());
    if (amin) r.min_slope_line = line_rel(amin_at, amin->value());
    if (amax && amin && less(*amax, *amin)) crossed = true;

    if (amax && amin) {
        // The bisector of the two bounding lines, referred to the middle of the data.
        const std::int64_t mid = x_min_ + (x_max_ - x_min_) / 2;
        auto rel_at = [&](const ClockLine& l, std::int64_t x) {
            return static_cast<long double>(l.y_ref - y0_) + l.c + l.slope * static_cast<long double>(x0_ + x - l.x_ref);
        };
        r.transform.slope = (r.max_slope_line->slope + r.min_slope_line->slope) / 2;
        r.transform.x_ref = x0_ + mid;
        r.transform.y_ref = y0_;
        r.transform.c = (rel_at(*r.max_slope_line, mid) + rel_at(*r.min_slope_line, mid)) / 2;
        const long double gap_lo = std::fabs(rel_at(*r.max_slope_line, x_min_) - rel_at(*r.min_slope_line, x_min_));
        const long double gap_hi = std::fabs(rel_at(*r.max_slope_line, x_max_) - rel_at(*r.min_slope_line, x_max_));
        r.accuracy_ns = std::max(gap_lo, gap_hi) / 2;
    } else {
        // One bound on the slope only: take the chord of the larger hull,
        // clamped into the feasible range, and centre the line between the hulls.
        long double s = chord(above.size() >= below.size() ? above : below);
        if (amax) s = std::min(s, amax->value());
        if (amin) s = std::max(s, amin->value());
        long double lo, hi;
        intercepts(s, lo, hi);
        r.transform.slope = s;
        r.transform.c = (lo + hi) / 2;
    }
    if (crossed) {
        r.quality = SyncQuality::Fail;
        r.reason = "the hulls cross: no line puts every guest-to-host pair after and every "
                   "host-to-guest pair before (clocks not linear over the trace, or wrong pairs)";
    } else if (amax && amin) {
        r.quality = SyncQuality::Accurate;
    } else {
        r.quality = SyncQuality::Approximate;
        r.reason = "the pairs bound the slope on one side only";
    }
    return r;
}

}  // namespace vpmu::trace
