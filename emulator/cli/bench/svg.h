// Two chart kinds as standalone SVG text, enough for the bench's plots:
// grouped bars and x/y lines (optionally log-log). No dependencies.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vpmu::cli::bench {

struct Series {
    std::string name;
    std::vector<double> values;                   // bar chart: one per category
    std::vector<std::pair<double, double>> points;  // x/y chart
    bool dashed = false;                          // x/y: line without markers
};

struct BarChart {
    std::string title, y_label;
    std::vector<std::string> categories;
    std::vector<Series> series;
};

struct XyChart {
    std::string title, x_label, y_label;
    bool log_x = false, log_y = false;
    std::vector<Series> series;
};

std::string render(const BarChart& chart);
std::string render(const XyChart& chart);

}  // namespace vpmu::cli::bench
