#include "cli/options.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <type_traits>

namespace vpmu::cli {

namespace {

Result<std::uint64_t> parse_unsigned(std::string_view option, std::string_view text,
                                     std::uint64_t min, std::uint64_t max) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return make_error(std::string(option) + ": '" + std::string(text) + "' is not a number in " +
                          std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
}

Result<double> parse_seconds(std::string_view option, std::string_view text) {
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value <= 0 ||
        value > 1e6) {
        return make_error(std::string(option) + ": '" + copy +
                          "' is not a positive number of seconds (at most 1e6)");
    }
    return value;
}

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
    const long host_cpus = ::sysconf(_SC_NPROCESSORS_CONF);
    const std::uint64_t max_cpu = host_cpus > 0 ? static_cast<std::uint64_t>(host_cpus - 1) : 0;
    std::vector<int> cpus;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        auto cpu = parse_unsigned("--pin", text.substr(start, comma - start), 0, max_cpu);
        if (!cpu) {
            return make_error(cpu.error().message + " (this host has " + std::to_string(max_cpu + 1) +
                              " CPUs)");
        }
        cpus.push_back(static_cast<int>(*cpu));
        start = comma + 1;
    }
    return cpus;
}

// One pass over "--name value", "--name=value" and flags. `handlers` maps an
// option to a function of its value; `flags` to a function of nothing.
// Positional arguments go to `positional`; "--" ends the options and the
// rest goes to `rest` when non-null.
struct OptionTable {
    std::map<std::string, std::function<Result<void>(std::string_view)>, std::less<>> values;
    std::map<std::string, std::function<void()>, std::less<>> flags;
};

Result<void> parse_args(std::span<const std::string> args, const OptionTable& table,
                        std::vector<std::string>& positional, std::vector<std::string>* rest) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--" && rest != nullptr) {
            rest->assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            return {};
        }
        if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
            positional.push_back(arg);
            continue;
        }
        const std::size_t eq = arg.find('=');
        const std::string_view name = std::string_view(arg).substr(0, eq);
        if (auto flag = table.flags.find(name); flag != table.flags.end()) {
            if (eq != std::string::npos) return make_error(std::string(name) + " takes no value");
            flag->second();
            continue;
        }
        auto option = table.values.find(name);
        if (option == table.values.end()) return make_error("unknown option '" + arg + "'");
        std::string_view value;
        if (eq != std::string::npos) {
            value = std::string_view(arg).substr(eq + 1);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return make_error(std::string(name) + " needs a value");
        }
        if (auto ok = option->second(value); !ok) return ok;
    }
    return {};
}

Result<void> set_pmu(PmuConfig& pmu, std::string_view spec) {
    auto parsed = parse_pmu_spec(spec);
    if (!parsed) return make_error("--pmu: " + parsed.error().message);
    pmu = *parsed;
    return {};
}

Result<void> set_pmu_file(PmuConfig& pmu, std::string_view path) {
    auto loaded = load_pmu_file(std::string(path));
    if (!loaded) return make_error("--pmu-file: " + loaded.error().message);
    pmu = *loaded;
    return {};
}

Result<void> set_backend(BackendKind& backend, std::string_view name) {
    auto parsed = parse_backend_kind(name);
    if (!parsed) return make_error("--backend: " + parsed.error().message);
    backend = *parsed;
    return {};
}

}  // namespace

std::string RunOptions::cmdline() const {
    std::string line;
    for (const std::string& arg : guest_args) {
        if (!line.empty()) line += ' ';
        line += arg;
    }
    return line;
}

Result<std::variant<RunOptions, HelpRequested>> parse_run_options(std::span<const std::string> args) {
    RunOptions o;
    bool help = false;
    auto number = [](auto& field, const char* name, std::uint64_t min, std::uint64_t max) {
        return [&field, name, min, max](std::string_view v) -> Result<void> {
            auto n = parse_unsigned(name, v, min, max);
            if (!n) return n.error();
            field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
            return {};
        };
    };
    unsigned pool = 0;
    bool pool_given = false;
    OptionTable table;
    table.values["--pmu"] = [&](std::string_view v) { return set_pmu(o.pmu, v); };
    table.values["--pmu-file"] = [&](std::string_view v) { return set_pmu_file(o.pmu, v); };
    table.values["--backend"] = [&](std::string_view v) { return set_backend(o.backend, v); };
    table.values["--pool"] = [&, set = number(pool, "--pool", 1, 64)](std::string_view v) {
        pool_given = true;
        return set(v);
    };
    table.values["--max-pmi-rate"] = number(o.max_pmi_rate, "--max-pmi-rate", 0, 10000000);
    table.values["--mem"] = number(o.mem_mib, "--mem", 1, kMaxMemMib);
    table.values["--vcpus"] = number(o.vcpus, "--vcpus", 1, kMaxVcpus);
    table.values["--vms"] = number(o.vms, "--vms", 1, kMaxVms);
    table.values["--timeout"] = [&](std::string_view v) -> Result<void> {
        auto s = parse_seconds("--timeout", v);
        if (!s) return s.error();
        o.timeout_seconds = *s;
        return {};
    };
    table.values["--console"] = [&](std::string_view v) -> Result<void> {
        if (v.empty()) return make_error("--console needs a file name");
        o.console = v;
        return {};
    };
    table.values["--trace"] = [&](std::string_view v) -> Result<void> {
        if (v.empty()) return make_error("--trace needs a directory");
        o.trace_dir = v;
        return {};
    };
    table.values["--pin"] = [&](std::string_view v) -> Result<void> {
        auto cpus = parse_cpu_list(v);
        if (!cpus) return cpus.error();
        o.pin_cpus = *cpus;
        return {};
    };
    table.flags["--stats"] = [&] { o.stats = true; };
    table.values["--json"] = [&](std::string_view v) -> Result<void> {
        if (v.empty()) return make_error("--json needs a file name");
        o.json = v;
        return {};
    };
    table.values["--tick-hz"] = number(o.tick_hz, "--tick-hz", 1, vmm::kMaxTickHz);
    table.flags["--help"] = [&] { help = true; };
    table.flags["-h"] = [&] { help = true; };

    std::vector<std::string> positional;
    if (auto ok = parse_args(args, table, positional, &o.guest_args); !ok) return ok.error();
    if (help) return std::variant<RunOptions, HelpRequested>(HelpRequested{run_usage()});
    if (positional.empty()) return make_error("no guest image given (vpmu run [options] GUEST.elf)");
    if (positional.size() > 1) {
        return make_error("unexpected argument '" + positional[1] +
                          "' (the guest's command line goes after --)");
    }
    o.guest = positional[0];
    if (pool_given) o.pool = pool;
    return std::variant<RunOptions, HelpRequested>(std::move(o));
}

Result<std::variant<InfoOptions, HelpRequested>> parse_info_options(
    std::span<const std::string> args) {
    InfoOptions o;
    bool help = false;
    OptionTable table;
    table.values["--pmu"] = [&](std::string_view v) { return set_pmu(o.pmu, v); };
    table.values["--pmu-file"] = [&](std::string_view v) { return set_pmu_file(o.pmu, v); };
    table.values["--backend"] = [&](std::string_view v) { return set_backend(o.backend, v); };
    table.flags["--json"] = [&] { o.json = true; };
    table.flags["--help"] = [&] { help = true; };
    table.flags["-h"] = [&] { help = true; };
    std::vector<std::string> positional;
    if (auto ok = parse_args(args, table, positional, nullptr); !ok) return ok.error();
    if (help) return std::variant<InfoOptions, HelpRequested>(HelpRequested{info_usage()});
    if (!positional.empty()) return make_error("unexpected argument '" + positional[0] + "'");
    return std::variant<InfoOptions, HelpRequested>(o);
}

}  // namespace vpmu::cli
