// SPDX-License-Identifier: BSD-3-Clause
// The command-line parser: getopt_long driven by the option table (option_table.cpp),
// then the checks that need every option at once.
#include "ecmh/app/options.hpp"

#include "ecmh/app/config_file.hpp"
#include "ecmh/app/getopt_table.hpp"
#include "ecmh/app/option_table.hpp"
#include "ecmh/version.hpp"

#include <getopt.h>
#include <set>
#include <string>

namespace ecmh::app {
namespace {

// What getopt_long could not match: a missing value (':') or an unknown or ambiguous
// option ('?'). argv[optind - 1] is the argument it was looking at.
std::string getopt_error(int code, char* const argv[]) {
    const std::string arg = argv[optind - 1];
    if (code == ':') {
        return "option '" + arg + "' needs an argument";
    }
    // A letter: the unknown short option, or the short form of a long option given a
    // value it does not take. Otherwise the argument as typed.
    const bool letter = optopt > 0 && optopt < kLongOnlyBase;
    return "unknown or ambiguous option '" +
           (letter ? std::string("-") + static_cast<char>(optopt) : arg) + "'";
}

// The spelling the user typed, for messages: getopt_long sets long_index for a long form.
std::string spelling(const OptionDescriptor& descriptor, int long_index) {
    if (long_index >= 0) {
        return std::string("--") + descriptor.long_name;
    }
    return std::string("-") + descriptor.short_name;
}

// Cross-option checks, after every option has been read.
OptionError validate(const ParseState& state) {
    const Options& o = state.options;
    if (state.mld1_only && state.mld2_only) {
        return "options '-1' (--mld1only) and '-2' (--mld2only) exclude each other";
    }
    if (o.igmp3_only && o.igmp_version != 3) {
        return "options '--igmp3only' and '--igmp-version " + std::to_string(o.igmp_version) +
               "' exclude each other";
    }
    if (!o.ipv4 && !o.ipv6) {
        return "options '--no-ipv4' and '--no-ipv6' together leave nothing to do";
    }
    if (o.translate && (!o.ipv4 || !o.ipv6)) {
        return std::string("translation (--translate) needs both families: drop '--no-ipv") +
               (o.ipv4 ? "6" : "4") + "'";
    }
    if (o.timers.query_response_interval >= o.timers.query_interval) {
        // RFC 3810 §9.3 / RFC 3376 §8.3: the response interval must be less than the
        // query interval, or reports of one round run into the next.
        return "--query-response-interval must be less than --query-interval";
    }
    if (!o.tunnel_mode && (!o.tunnel_peers.empty() || o.tunnel_peers_file)) {
        return "tunnel peers (--tunnel-peer, --tunnel-peers) need tunnel mode (-t)";
    }
    if (o.tunnel_mode && !o.ipv6) {
        return "tunnel mode (-t) carries IPv6: it cannot be used with --no-ipv6";
    }
    for (const auto& name : o.excluded) {
        if (o.upstream && *o.upstream == name) {
            return "interface '" + name + "' is both the upstream (-i) and excluded";
        }
    }
    return std::nullopt;
}

ParseResult failure(std::string message) {
    return ParseResult{std::nullopt, UsageError{std::move(message), false}, std::nullopt};
}

// Help and version win over everything but the errors found while reading.
ParseResult finish(ParseState& state) {
    if (state.help || state.version) {
        const auto action = state.help ? Action::ShowHelp : Action::ShowVersion;
        return ParseResult{CommandLine{action, state.options}, std::nullopt, std::nullopt};
    }
    if (auto error = validate(state)) {
        auto result = failure(*error);
        if (state.options.config_file) {
            // The combination may come from the file: say which file was read.
            result.error->message += " (with " + *state.options.config_file + ")";
            result.error->in_config = true;
        }
        return result;
    }
    state.options.mld_mode = state.mld1_only   ? MldMode::V1Only
                             : state.mld2_only ? MldMode::V2Only
                                               : MldMode::Auto;
    const auto action = state.check_config ? Action::CheckConfig : Action::Run;
    return ParseResult{CommandLine{action, state.options}, std::nullopt, std::nullopt};
}

} // namespace

ParseResult parse_command_line(int argc, char* const argv[], const ConfigText* config) {
    const auto table = option_table();
    const auto getopt = make_getopt_table(table);
    ParseState state;
    std::set<std::string, std::less<>> given; // long names: they win over the file
    optind = 0; // reinitialise getopt (glibc): the parser may run more than once
    opterr = 0; // we print our own messages
    while (true) {
        int long_index = -1;
        const int code = getopt_long(argc, argv, getopt.short_options.c_str(),
                                     getopt.long_options.data(), &long_index);
        if (code == -1) {
            break;
        }
        const auto* descriptor = find_descriptor(table, code);
        if (descriptor == nullptr) {
            return failure(getopt_error(code, argv));
        }
        const std::string name = spelling(*descriptor, long_index);
        const OptionValue value{optarg != nullptr ? optarg : "", name};
        if (auto error = descriptor->apply(state, value)) {
            return failure(*error);
        }
        given.insert(descriptor->long_name);
    }
    if (optind < argc) {
        return failure("unexpected argument '" + std::string(argv[optind]) + "'");
    }
    if (state.options.config_file && !state.help && !state.version) {
        if (config == nullptr) {
            return ParseResult{std::nullopt, std::nullopt, state.options.config_file};
        }
        if (auto error = apply_config(*config, state, given)) {
            return ParseResult{std::nullopt, UsageError{error->what(), true}, std::nullopt};
        }
    }
    return finish(state);
}

std::string version_text() {
    return std::string("ecmh ") + kVersion +
           " - Easy Cast du Multi Hub, an IPv6/IPv4 multicast proxy\n"
           "BSD-3-Clause licensed; see the LICENSE file.\n";
}

} // namespace ecmh::app
