// `vpmu-sync ARGS` = `vpmu sync ARGS`, for use before (and besides) the
// `vpmu` command's own subcommand.
#include <string>
#include <vector>

#include "trace/sync_command.h"

int main(int argc, char** argv) {
    return vpmu::trace::run_sync_command(std::vector<std::string>(argv + 1, argv + argc));
}
