// SPDX-License-Identifier: BSD-3-Clause
// ecmhctl: asks the running ecmh over its control socket (doc/ecmhctl.8, doc/control.md)
// and prints the reply. Exit status: 0 answered, 1 the daemon answered with an error,
// 64 a usage error, 69 the daemon cannot be reached.
#include "ecmh/app/options.hpp"
#include "ecmh/io/control_socket.hpp"
#include "ecmh/version.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

using namespace ecmh;

constexpr std::string_view kDefaultSocket = "/run/ecmh/ecmh.sock";
// Longer than any reply takes: a dump of thousands of groups is written in well under it.
constexpr std::chrono::milliseconds kTimeout{10'000};

constexpr const char* kUsage =
    "Usage: ecmhctl [-s PATH] [--json] COMMAND...\n"
    "Asks the running ecmh over its control socket and prints the reply.\n"
    "\n"
    "Commands:\n"
    "  show links        links with role, addresses, MTU, state and counters\n"
    "  show groups       groups per link: filter mode, sources, timers\n"
    "  show upstream     the state reported upstream\n"
    "  show stats        statistics, drops by reason, the XDP fast path\n"
    "  show config       the running configuration\n"
    "  reload            what SIGHUP does\n"
    "  resend            re-send the membership reports upstream (SIGUSR2)\n"
    "  dump              write the dump file (SIGUSR1); prints its path\n"
    "  metrics [--groups] counters in the Prometheus text format\n"
    "\n"
    "Options:\n"
    "  -s, --socket PATH  the control socket (default /run/ecmh/ecmh.sock)\n"
    "      --json         the reply as JSON (show, reload, resend, dump)\n"
    "  -h, --help         this text\n"
    "  -V, --version      the version\n"
    "\n"
    "Exit status: 0 answered, 1 error reply, 64 usage error, 69 ecmh not reachable.\n";

struct Arguments {
    std::string socket{kDefaultSocket};
    std::string request;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "ecmhctl: %s\n\n%s", message.c_str(), kUsage);
    return app::kExitUsage;
}

bool is_error_reply(std::string_view reply) {
    return reply.starts_with("error:") || reply.starts_with("{\"error\":");
}

int run(int argc, char* argv[]) {
    Arguments args;
    bool json = false;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return app::kExitOk;
        }
        if (a == "-V" || a == "--version") {
            std::printf("ecmhctl %s\n", kVersion);
            return app::kExitOk;
        }
        if (a == "-s" || a == "--socket") {
            if (i + 1 >= argc) {
                return usage_error(std::string(a) + " needs a path");
            }
            args.socket = argv[++i];
        } else if (a.starts_with("--socket=")) {
            args.socket = std::string(a.substr(9));
        } else if (a == "--json") {
            json = true;
        } else if (a.starts_with("-")) {
            return usage_error("unknown option " + std::string(a));
        } else {
            break; // the command starts
        }
    }
    if (i >= argc) {
        return usage_error("no command");
    }
    for (; i < argc; ++i) {
        args.request += (args.request.empty() ? "" : " ") + std::string(argv[i]);
    }
    if (json && args.request.find("--json") == std::string::npos) {
        args.request += " --json";
    }
    auto reply = io::control_request(args.socket, args.request, kTimeout);
    if (!reply) {
        std::fprintf(stderr, "ecmhctl: cannot reach ecmh: %s\n", reply.error().message().c_str());
        return app::kExitUnavailable;
    }
    if (reply->empty()) {
        std::fprintf(stderr, "ecmhctl: ecmh closed %s without a reply\n", args.socket.c_str());
        return app::kExitUnavailable;
    }
    const bool error = is_error_reply(*reply);
    std::fputs(reply->c_str(), error ? stderr : stdout);
    return error ? 1 : app::kExitOk;
}

} // namespace

int main(int argc, char* argv[]) {
    return run(argc, argv);
}
