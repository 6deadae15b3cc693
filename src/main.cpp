// SPDX-License-Identifier: BSD-3-Clause
// ecmh: options → (open everything privileged → drop privileges → run the loop).
#include "ecmh/app/options.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace {

std::string_view base_name(const char* path) {
    const std::string_view p = path != nullptr ? path : "ecmh";
    const auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

} // namespace

int main(int argc, char* argv[]) {
    using namespace ecmh::app;
    const auto program = base_name(argc > 0 ? argv[0] : nullptr);
    const auto parsed = parse_command_line(argc, argv);
    if (parsed.error) {
        std::fprintf(stderr, "%.*s: %s\n\n%s", static_cast<int>(program.size()), program.data(),
                     parsed.error->message.c_str(), usage_text(program).c_str());
        return kExitUsage;
    }
    switch (parsed.command_line->action) {
    case Action::ShowHelp:
        std::fputs(usage_text(program).c_str(), stdout);
        return kExitOk;
    case Action::ShowVersion:
        std::fputs(version_text().c_str(), stdout);
        return kExitOk;
    case Action::Run:
        break;
    }
    // The daemon (capture, protocol engine, poll loop) is built in later steps; until
    // then ecmh says so instead of pretending to run.
    std::fprintf(stderr, "%.*s: the forwarding daemon is not implemented in this build yet\n",
                 static_cast<int>(program.size()), program.data());
    return kExitSoftware;
}
