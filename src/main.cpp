// SPDX-License-Identifier: BSD-3-Clause
// ecmh: options → (fork) → pidfile → open everything privileged → drop privileges →
// run the loop. Every startup failure names its cause and exits with a sysexits code;
// when daemonized, the parent waits for the child's verdict and exits with it, so an
// init script sees the real outcome.
#include "ecmh/app/config_file.hpp"
#include "ecmh/app/daemon.hpp"
#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/options.hpp"
#include "ecmh/io/daemonizer.hpp"
#include "ecmh/io/log_sink.hpp"
#include "ecmh/io/pid_file.hpp"
#include "ecmh/io/privileges.hpp"
#include "ecmh/io/service_notifier.hpp"
#include "ecmh/io/text_file.hpp"
#include "ecmh/version.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <functional>
#include <net/if.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ecmh;
using engine::LogLevel;

std::string_view base_name(const char* path) {
    const std::string_view p = path != nullptr ? path : "ecmh";
    const auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// Reports a startup failure where the operator will see it: the parent's stderr when
// daemonizing, otherwise the log (stderr in the foreground).
class Startup {
public:
    Startup(io::LogSink& log, std::optional<io::Daemonizer>& daemonizer)
        : log_(log), daemonizer_(daemonizer) {}
    int fail(int code, const std::string& message) {
        if (daemonizer_) {
            log_.log(LogLevel::Error, message); // syslog too, for the record
            daemonizer_->failed(code, message);
        } else {
            log_.log(LogLevel::Error, message);
        }
        return code;
    }

private:
    io::LogSink& log_;
    std::optional<io::Daemonizer>& daemonizer_;
};

// Under systemd (Type=notify, NotifyAccess=main) without -f: the process systemd started
// is about to leave, so it names the daemon as the service's main process first (the
// daemon waits for that before it goes on), and the daemon's READY=1 is accepted.
// Nothing to do without $NOTIFY_SOCKET.
std::function<void(pid_t)> hand_over_to_daemon(io::LogSink& log) {
    if (!io::ServiceNotifier{}.wanted()) {
        return {};
    }
    return [&log](pid_t daemon) {
        io::ServiceNotifier notifier;
        if (auto r = notifier.main_pid(daemon); !r) {
            log.log(LogLevel::Warning, "service manager: " + r.error().message());
        }
    };
}

int run_daemon(const app::Options& options, std::vector<std::string> arguments) {
    io::LogSink log{io::LogSink::Target::Stderr, options.verbosity};
    // The user is looked up before forking, so a typo is a plain usage-time error.
    std::optional<io::UserIds> user;
    if (options.user) {
        auto found = io::find_user(*options.user);
        if (!found) {
            log.log(LogLevel::Error, found.error().message());
            return app::kExitConfig;
        }
        user = *found;
    }
    std::optional<io::Daemonizer> daemonizer;
    if (!options.foreground) {
        // The parent exits inside, with the child's code.
        auto started = io::Daemonizer::start(hand_over_to_daemon(log));
        if (!started) {
            log.log(LogLevel::Error, started.error().message());
            return app::kExitOsError;
        }
        daemonizer.emplace(std::move(*started));
        log.set_target(io::LogSink::Target::Syslog);
    }
    Startup startup{log, daemonizer};

    auto pid_file = io::PidFile::acquire(options.pid_file);
    if (!pid_file) {
        const auto& e = pid_file.error();
        const bool running = e.code == EWOULDBLOCK; // a second instance (io/pid_file.hpp)
        return startup.fail(running ? app::kExitUnavailable : app::kExitCantCreate, e.message());
    }
    auto daemon = app::Daemon::open(options, log);
    if (!daemon) {
        return startup.fail(daemon.error().exit_code, daemon.error().message);
    }
    (*daemon)->set_arguments(std::move(arguments));
    // As the original ecmh: forwarding is latency-sensitive work.
    if (auto raised = io::raise_priority(-15); !raised) {
        log.log(LogLevel::Warning, "cannot raise priority: " + raised.error().message());
    }
    if (user) {
        if (auto r = pid_file->chown_to(user->uid, user->gid); !r) {
            return startup.fail(app::kExitNoPermission, r.error().message());
        }
        if (auto r = (*daemon)->dump_file().prepare_for(user->uid, user->gid); !r) {
            return startup.fail(app::kExitCantCreate, r.error().message());
        }
        if (auto r = (*daemon)->prepare_control_for(user->uid, user->gid); !r) {
            return startup.fail(app::kExitCantCreate, r.error().message());
        }
        if (auto r = io::drop_privileges(*user); !r) {
            return startup.fail(app::kExitNoPermission, r.error().message());
        }
    }
    if (auto r = pid_file->write_pid(); !r) {
        return startup.fail(app::kExitCantCreate, r.error().message());
    }
    log.log(LogLevel::Info, std::string("ecmh ") + kVersion + " running with " +
                                std::to_string((*daemon)->link_count()) +
                                " links (capture: " + (*daemon)->capture_method() + ")" +
                                (user ? ", as " + user->name : std::string{}));
    if (daemonizer) {
        daemonizer->ready();
    }
    const int code = (*daemon)->run();
    pid_file->remove();
    log.log(LogLevel::Info, "stopped");
    return code;
}

// What --check-config adds about this machine: names the file uses that no interface has
// now (a typo, or a link that appears later: ecmh waits for it).
std::string interface_notes(const app::Options& options) {
    std::vector<std::string> names;
    if (auto* list = ::if_nameindex(); list != nullptr) {
        for (auto* i = list; i->if_index != 0; ++i) {
            names.emplace_back(i->if_name);
        }
        ::if_freenameindex(list);
    }
    std::string text;
    for (const auto& upstream : app::upstream_names(options)) {
        if (std::find(names.begin(), names.end(), upstream) == names.end()) {
            text +=
                "  note: no interface " + upstream + " exists now (ecmh waits for its upstream)\n";
        }
    }
    for (const auto& block : app::unmatched_blocks(options, names)) {
        text += "  note: link " + block.pattern + " (line " + std::to_string(block.line) +
                ") matches no interface now\n";
    }
    return text;
}

// Everything main does; main itself only stops an exception (memory exhausted while
// starting) from ending the process without a word.
int run_main(int argc, char* argv[]) {
    using namespace ecmh::app;
    const auto program = base_name(argc > 0 ? argv[0] : nullptr);
    auto parsed = parse_command_line(argc, argv);
    if (parsed.needs_config) {
        // The file is read here, the parser stays pure; a file that does not read is a
        // configuration error like one that does not parse.
        auto text = io::read_text_file(*parsed.needs_config);
        if (!text) {
            // The message names the file ("open FILE: No such file or directory").
            std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
                         text.error().message().c_str());
            return kExitConfig;
        }
        const ConfigText config{*parsed.needs_config, std::move(*text)};
        parsed = parse_command_line(argc, argv, &config);
    }
    if (parsed.error) {
        if (parsed.error->in_config) {
            std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
                         parsed.error->message.c_str());
            return kExitConfig;
        }
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
    case Action::CheckConfig:
        std::fputs(config_summary(parsed.command_line->options).c_str(), stdout);
        std::fputs(interface_notes(parsed.command_line->options).c_str(), stdout);
        return kExitOk;
    case Action::Run:
        break;
    }
    return run_daemon(parsed.command_line->options,
                      std::vector<std::string>(argv + 1, argv + argc)); // for a reload
}

} // namespace

int main(int argc, char* argv[]) {
    try {
        return run_main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ecmh: fatal: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "ecmh: fatal: unknown exception\n");
    }
    return ecmh::app::kExitSoftware;
}
