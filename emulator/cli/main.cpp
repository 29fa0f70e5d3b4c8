// The `vpmu` command: picks the subcommand, parses its options, and is the
// only place that decides the process exit status.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "devices/vm_stop.h"
#include "trace/sync_command.h"

namespace {

using namespace vpmu;

// One line: the reason, and where the usage is.
int usage_error(const char* command, const std::string& message) {
    std::fprintf(stderr, "vpmu %s: %s (see 'vpmu %s --help')\n", command, message.c_str(), command);
    return dev::kStatusBadUsage;
}

template <class Options, class Parse, class Command>
int dispatch(const char* name, const std::vector<std::string>& args, Parse parse, Command command) {
    auto parsed = parse(args);
    if (!parsed) return usage_error(name, parsed.error().message);
    if (auto* help = std::get_if<cli::HelpRequested>(&*parsed)) {
        std::fputs(help->text.c_str(), stdout);
        return 0;
    }
    return command(std::get<Options>(*parsed));
}

}  // namespace

int main(int argc, char** argv) {
    // A guest console piped into `head` must not kill the VMM mid-run.
    std::signal(SIGPIPE, SIG_IGN);
    const std::vector<std::string> args(argv + (argc > 1 ? 2 : argc), argv + argc);
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "run") {
        return dispatch<cli::RunOptions>("run", args, cli::parse_run_options, cli::run_command);
    }
    if (command == "info") {
        return dispatch<cli::InfoOptions>("info", args, cli::parse_info_options, cli::info_command);
    }
    if (command == "bench") return cli::bench_command(args);
    if (command == "sync") return trace::run_sync_command(args);
    if (command == "help" || command == "--help" || command == "-h") {
        std::fputs(cli::main_usage().c_str(), stdout);
        return 0;
    }
    const std::string message = command.empty() ? "no command given" : "unknown command '" + command + "'";
    std::fprintf(stderr, "vpmu: %s (commands: run, info, bench, sync; see 'vpmu --help')\n", message.c_str());
    return dev::kStatusBadUsage;
}
