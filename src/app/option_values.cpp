// SPDX-License-Identifier: BSD-3-Clause
#include "option_values.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>

namespace ecmh::app {
namespace {

using std::chrono::milliseconds;

#ifdef __linux__
constexpr std::string_view kCaptureMethods = "ring or pcap";
#else
constexpr std::string_view kCaptureMethods = "pcap (the packet rings are Linux only)";
#endif

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t min,
                                        std::uint32_t max) {
    std::uint32_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

// Linux interface names: 1..15 bytes (IFNAMSIZ − 1), no '/', ':' or whitespace.
bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") {
        return false;
    }
    for (const char c : name) {
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n') {
            return false;
        }
    }
    return true;
}

} // namespace

std::string bad_value(const OptionValue& value, std::string_view expected) {
    return "invalid value '" + std::string(value.text) + "' for " + std::string(value.spelling) +
           ": expected " + std::string(expected);
}

OptionError set_upstream(std::optional<std::string>& upstream, const OptionValue& value) {
    if (!valid_interface_name(value.text)) {
        return bad_value(value, "an interface name");
    }
    if (upstream && *upstream != value.text) {
        return "option '" + std::string(value.spelling) + "' given twice ('" + *upstream +
               "' and '" + std::string(value.text) +
               "'): it names one upstream (more are link blocks with 'role upstream' and "
               "'serve' in the configuration file: ecmh.conf(5))";
    }
    upstream = std::string(value.text);
    return std::nullopt;
}

OptionError add_interface(std::vector<std::string>& names, const OptionValue& value) {
    if (!valid_interface_name(value.text)) {
        return bad_value(value, "an interface name");
    }
    names.emplace_back(value.text);
    return std::nullopt;
}

OptionError set_user(std::optional<std::string>& user, const OptionValue& value) {
    if (value.text.empty()) {
        return bad_value(value, "a user name");
    }
    user = std::string(value.text);
    return std::nullopt;
}

OptionError set_path(std::string& path, const OptionValue& value) {
    if (value.text.empty()) {
        return bad_value(value, "a file path");
    }
    path = std::string(value.text);
    return std::nullopt;
}

OptionError set_control_socket(std::string& path, const OptionValue& value) {
    // sockaddr_un's sun_path holds 108 bytes with the terminating NUL.
    constexpr std::size_t kMaxSocketPath = 107;
    if (value.text.size() > kMaxSocketPath) {
        return bad_value(value, "a socket path of at most 107 bytes, or none");
    }
    path = value.text == "none" ? std::string() : std::string(value.text);
    return std::nullopt;
}

OptionError set_optional_path(std::optional<std::string>& path, const OptionValue& value) {
    std::string p;
    if (auto error = set_path(p, value)) {
        return error;
    }
    path = std::move(p);
    return std::nullopt;
}

OptionError add_tunnel_peer(std::vector<TunnelPeerSpec>& peers, const OptionValue& value) {
    std::string why;
    const auto peer = parse_tunnel_peer(value.text, why);
    if (!peer) {
        return bad_value(value,
                         "a tunnel peer's IPv4 address, optionally ',' and ours (" + why + ")");
    }
    if (std::find(peers.begin(), peers.end(), *peer) != peers.end()) {
        return "tunnel peer '" + std::string(value.text) + "' is given twice";
    }
    peers.push_back(*peer);
    return std::nullopt;
}

OptionError set_count(std::uint32_t& count, const OptionValue& value, std::uint32_t min,
                      std::uint32_t max) {
    const auto parsed = parse_uint(value.text, min, max);
    if (!parsed) {
        return bad_value(value, "a whole number from " + std::to_string(min) + " to " +
                                    std::to_string(max));
    }
    count = *parsed;
    return std::nullopt;
}

OptionError set_duration(milliseconds& duration, const OptionValue& value, milliseconds min) {
    const auto parsed = parse_duration(value.text);
    if (!parsed || *parsed < min) {
        return bad_value(value, "a duration such as 10s, 0.3s or 300ms, at least " +
                                    std::to_string(min.count()) + "ms");
    }
    duration = *parsed;
    return std::nullopt;
}

OptionError set_igmp_version(std::uint8_t& version, const OptionValue& value) {
    const auto parsed = parse_uint(value.text, 1, 3);
    if (!parsed) {
        return bad_value(value, "1, 2 or 3");
    }
    version = static_cast<std::uint8_t>(*parsed);
    return std::nullopt;
}

OptionError set_capture(CaptureMethod& method, const OptionValue& value) {
    if (value.text == "pcap") {
        method = CaptureMethod::Pcap;
        return std::nullopt;
    }
#ifdef __linux__
    if (value.text == "ring") {
        method = CaptureMethod::Ring;
        return std::nullopt;
    }
#endif
    return bad_value(value, kCaptureMethods);
}

namespace {

// One of `choices`, by the name to_string() gives it.
template <class Choice, std::size_t N>
OptionError set_choice(Choice& field, const OptionValue& value,
                       const std::array<Choice, N>& choices, std::string_view expected) {
    for (const Choice c : choices) {
        if (value.text == to_string(c)) {
            field = c;
            return std::nullopt;
        }
    }
    return bad_value(value, expected);
}

} // namespace

OptionError set_forward_path(ForwardPath& path, const OptionValue& value) {
    return set_choice(path, value,
                      std::array{ForwardPath::Userspace, ForwardPath::Xdp, ForwardPath::Auto},
                      "userspace, xdp or auto");
}

OptionError set_xdp_mode(XdpAttachMode& mode, const OptionValue& value) {
    return set_choice(
        mode, value, std::array{XdpAttachMode::Auto, XdpAttachMode::Native, XdpAttachMode::Generic},
        "auto, native or generic");
}

std::optional<milliseconds> parse_duration(std::string_view text) {
    double scale = 1000.0; // bare numbers are seconds
    if (text.ends_with("ms")) {
        scale = 1.0;
        text.remove_suffix(2);
    } else if (text.ends_with("s")) {
        text.remove_suffix(1);
    }
    if (text.empty() || text.front() == '-' || text.front() == '+') {
        return std::nullopt;
    }
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    constexpr double kMaxMs = 24.0 * 3600.0 * 1000.0;
    if (ec != std::errc{} || ptr != end || !(value * scale <= kMaxMs)) {
        return std::nullopt;
    }
    return milliseconds{std::llround(value * scale)}; // value ≥ 0: rounds half up
}

OptionError add_ssm_range(Options& options, const OptionValue& value) {
    constexpr std::string_view kWhat =
        "a multicast prefix such as 232.0.0.0/8 or ff3e::/32 (host bits zero)";
    if (const auto v6 = net::Ipv6Prefix::parse(value.text)) {
        if (!v6->is_multicast()) {
            return bad_value(value, kWhat);
        }
        options.ssm6.push_back(*v6);
        return std::nullopt;
    }
    if (const auto v4 = net::Ipv4Prefix::parse(value.text)) {
        if (!v4->is_multicast()) {
            return bad_value(value, kWhat);
        }
        options.ssm4.push_back(*v4);
        return std::nullopt;
    }
    return bad_value(value, kWhat);
}

OptionError set_translate_prefix(Options& options, TranslatePrefix kind, const OptionValue& value) {
    const auto prefix = net::Ipv6Prefix::parse(value.text);
    if (!prefix) {
        return bad_value(value, "an IPv6 prefix such as ff1e:1000::/96 (host bits zero)");
    }
    std::optional<std::string> error;
    net::Ipv6Prefix* field = nullptr;
    switch (kind) {
    case TranslatePrefix::Asm:
        error = net::asm_prefix64_error(*prefix);
        field = &options.translation.asm96;
        break;
    case TranslatePrefix::Ssm:
        error = net::ssm_prefix64_error(*prefix);
        field = &options.translation.ssm96;
        break;
    case TranslatePrefix::Source:
        error = net::source_prefix64_error(*prefix);
        field = &options.translation.source96;
        break;
    }
    if (error) {
        return bad_value(value, *error);
    }
    *field = *prefix;
    options.translate = true;
    return std::nullopt;
}

} // namespace ecmh::app
