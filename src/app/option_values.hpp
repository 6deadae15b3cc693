// SPDX-License-Identifier: BSD-3-Clause
// Checking and storing option values: each function stores a valid value into the field
// it is given, or returns the message that names the option, the value and what was
// expected. The option table (option_table.cpp) says which option uses which.
#pragma once

#include "ecmh/app/option_table.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::app {

// "invalid value 'X' for -i: expected an interface name".
[[nodiscard]] std::string bad_value(const OptionValue& value, std::string_view expected);

// -i: one upstream; the same name twice is harmless, another one is an error.
[[nodiscard]] OptionError set_upstream(std::optional<std::string>& upstream,
                                       const OptionValue& value);
[[nodiscard]] OptionError add_interface(std::vector<std::string>& names, const OptionValue& value);
[[nodiscard]] OptionError set_user(std::optional<std::string>& user, const OptionValue& value);
[[nodiscard]] OptionError set_path(std::string& path, const OptionValue& value);
// --control-socket: a path that fits a Unix socket address; "none" or "" for no socket.
[[nodiscard]] OptionError set_control_socket(std::string& path, const OptionValue& value);
[[nodiscard]] OptionError set_optional_path(std::optional<std::string>& path,
                                            const OptionValue& value);
// --tunnel-peer IPV4[,LOCAL]: a usable unicast address (tunnel_peers.hpp), once.
[[nodiscard]] OptionError add_tunnel_peer(std::vector<TunnelPeerSpec>& peers,
                                          const OptionValue& value);
[[nodiscard]] OptionError set_count(std::uint32_t& count, const OptionValue& value,
                                    std::uint32_t min, std::uint32_t max);
[[nodiscard]] OptionError set_duration(std::chrono::milliseconds& duration,
                                       const OptionValue& value, std::chrono::milliseconds min);
[[nodiscard]] OptionError set_igmp_version(std::uint8_t& version, const OptionValue& value);
[[nodiscard]] OptionError set_capture(CaptureMethod& method, const OptionValue& value);
[[nodiscard]] OptionError set_forward_path(ForwardPath& path, const OptionValue& value);
[[nodiscard]] OptionError set_xdp_mode(XdpAttachMode& mode, const OptionValue& value);
// --ssm-range PREFIX: a multicast prefix of either family, added to its family's list.
[[nodiscard]] OptionError add_ssm_range(Options& options, const OptionValue& value);
// --translate-{asm,ssm,source}-prefix P/96: a prefix its kind allows
// (net/translation_map.hpp); turns translation on.
enum class TranslatePrefix : std::uint8_t { Asm, Ssm, Source };
[[nodiscard]] OptionError set_translate_prefix(Options& options, TranslatePrefix kind,
                                               const OptionValue& value);

} // namespace ecmh::app
