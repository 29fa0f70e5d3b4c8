#include "cli/bench/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vpmu::cli::bench {
namespace {

constexpr double kWidth = 900, kHeight = 480, kLeft = 80, kRight = 180, kTop = 50, kBottom = 90;
const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"};

std::string esc(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out;
}

std::string fmt(const char* format, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

std::string header(const std::string& title, const std::string& y_label) {
    return fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               kWidth, kHeight) +
           fmt("<text x=\"%.0f\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">", kWidth / 2) + esc(title) +
           "</text>\n" +
           fmt("<text transform=\"translate(18,%.0f) rotate(-90)\" text-anchor=\"middle\">", (kTop + kHeight - kBottom) / 2) +
           esc(y_label) + "</text>\n";
}

std::string legend(const std::vector<Series>& series) {
    std::string out;
    for (std::size_t i = 0; i < series.size(); ++i) {
        const double y = kTop + 18.0 * static_cast<double>(i);
        out += fmt("<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>", kWidth - kRight + 15, y,
                   kColors[i % 7]) +
               fmt("<text x=\"%.0f\" y=\"%.0f\">", kWidth - kRight + 32, y + 10) + esc(series[i].name) + "</text>\n";
    }
    return out;
}

// "Nice" ticks covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
    const double span = hi - lo > 0 ? hi - lo : 1;
    const double raw = span / 6, mag = std::pow(10, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
    return out;
}

}  // namespace

std::string render(const BarChart& c) {
    double lo = 0, hi = 0;
    for (const Series& s : c.series) {
        for (double v : s.values) {
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
    }
    if (hi == lo) hi = lo + 1;
    const double pad = (hi - lo) * 0.05;
    hi += pad;
    if (lo < 0) lo -= pad;
    const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
    auto y_of = [&](double v) { return kTop + plot_h * (hi - v) / (hi - lo); };
    std::string out = header(c.title, c.y_label);
    for (double t : ticks(lo, hi)) {
        out += fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                   kLeft, kLeft + plot_w, y_of(t), y_of(t), kLeft - 6, y_of(t) + 4, t);
    }
    const double group = plot_w / static_cast<double>(std::max<std::size_t>(1, c.categories.size()));
    const double bar = group * 0.8 / static_cast<double>(std::max<std::size_t>(1, c.series.size()));
    for (std::size_t k = 0; k < c.categories.size(); ++k) {
        const double x0 = kLeft + group * static_cast<double>(k) + group * 0.1;
        for (std::size_t i = 0; i < c.series.size(); ++i) {
            const double v = k < c.series[i].values.size() ? c.series[i].values[k] : NAN;
            if (!std::isfinite(v)) continue;
            const double top = y_of(std::max(v, 0.0)), bottom = y_of(std::min(v, 0.0));
            out += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %g</title></rect>\n",
                       x0 + bar * static_cast<double>(i), top, bar * 0.95, std::max(bottom - top, 0.5), kColors[i % 7],
                       esc(c.series[i].name).c_str(), v);
        }
        out += fmt("<text transform=\"translate(%.1f,%.1f) rotate(30)\">", x0 + group * 0.3, kHeight - kBottom + 16) +
               esc(c.categories[k]) + "</text>\n";
    }
    out += fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", kLeft, kLeft + plot_w, y_of(0), y_of(0));
    return out + legend(c.series) + "</svg>\n";
}

std::string render(const XyChart& c) {
    auto tx = [&](double v) { return c.log_x ? std::log10(v) : v; };
    auto ty = [&](double v) { return c.log_y ? std::log10(v) : v; };
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (const Series& s : c.series) {
        for (auto [x, y] : s.points) {
            if (!std::isfinite(tx(x)) || !std::isfinite(ty(y))) continue;
            x_lo = std::min(x_lo, tx(x)), x_hi = std::max(x_hi, tx(x));
            y_lo = std::min(y_lo, ty(y)), y_hi = std::max(y_hi, ty(y));
        }
    }
    if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
    if (!c.log_y) y_lo = std::min(y_lo, 0.0);
    if (x_hi == x_lo) x_hi = x_lo + 1;
    if (y_hi == y_lo) y_hi = y_lo + 1;
    const double ypad = (y_hi - y_lo) * 0.05;
    y_hi += ypad;
    if (c.log_y) y_lo -= ypad;
    const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
    auto px = [&](double x) { return kLeft + plot_w * (tx(x) - x_lo) / (x_hi - x_lo); };
    auto py = [&](double y) { return kTop + plot_h * (y_hi - ty(y)) / (y_hi - y_lo); };
    std::string out = header(c.title, c.y_label);
    // Log axes get decades only.
    auto axis_ticks = [](double lo, double hi, bool log) {
        if (!log || std::floor(hi) - std::ceil(lo) < 1) return ticks(lo, hi);
        std::vector<double> decades;
        for (double t = std::ceil(lo); t <= hi; t += 1) decades.push_back(t);
        return decades;
    };
    for (double t : axis_ticks(y_lo, y_hi, c.log_y)) {
        const double y = kTop + plot_h * (y_hi - t) / (y_hi - y_lo);
        out += fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                   kLeft, kLeft + plot_w, y, y, kLeft - 6, y + 4, c.log_y ? std::pow(10, t) : t);
    }
    for (double t : axis_ticks(x_lo, x_hi, c.log_x)) {
        const double x = kLeft + plot_w * (t - x_lo) / (x_hi - x_lo);
        out += fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                   x, x, kTop, kTop + plot_h, x, kTop + plot_h + 16, c.log_x ? std::pow(10, t) : t);
    }
    out += fmt("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">", kLeft + plot_w / 2, kHeight - kBottom + 40) +
           esc(c.x_label) + "</text>\n";
    for (std::size_t i = 0; i < c.series.size(); ++i) {
        const Series& s = c.series[i];
        std::string path;
        for (auto [x, y] : s.points) {
            if (!std::isfinite(tx(x)) || !std::isfinite(ty(y))) continue;
            path += fmt("%s%.1f,%.1f ", path.empty() ? "M" : "L", px(x), py(y));
            if (!s.dashed) {
                out += fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%g, %g</title></circle>\n", px(x),
                           py(y), kColors[i % 7], x, y);
            }
        }
        out += fmt("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n", path.c_str(), kColors[i % 7],
                   s.dashed ? " stroke-dasharray=\"6,4\"" : "");
    }
    return out + legend(c.series) + "</svg>\n";
}

}  // namespace vpmu::cli::bench
