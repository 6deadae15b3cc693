// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/translation_map.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace ecmh::net {
namespace {

constexpr std::uint8_t kPrefix64Length = 96; // every prefix here: the IPv4 address follows

// Multicast scopes (RFC 4291 §2.7, RFC 7346).
constexpr std::uint8_t kScopeAdmin = 4;
constexpr std::uint8_t kScopeSite = 5;
constexpr std::uint8_t kScopeOrganization = 8;
constexpr std::uint8_t kScopeReserved = 0xf;

Ipv4Prefix v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t length) {
    return *Ipv4Prefix::make(Ipv4Address::from_bytes({a, b, c, 0}), length);
}

std::uint8_t scope_of(const Ipv6Address& a) {
    return a.bytes()[1] & 0x0f;
}

// The prefix with `group` in its last 32 bits and `scope` in its scope field.
Ipv6Address embed_group(const Ipv6Prefix& prefix, const Ipv4Address& group, std::uint8_t scope) {
    auto b = prefix.address().bytes();
    b[1] = static_cast<std::uint8_t>((b[1] & 0xf0) | scope);
    const auto g = group.bytes();
    std::copy(g.begin(), g.end(), b.begin() + 12);
    return Ipv6Address{b};
}

// Whether `a` is inside `prefix` but for its scope field.
bool under(const Ipv6Prefix& prefix, const Ipv6Address& a) {
    auto b = a.bytes();
    b[1] = static_cast<std::uint8_t>((b[1] & 0xf0) | scope_of(prefix.address()));
    return prefix.contains(Ipv6Address{b});
}

Ipv4Address low32(const Ipv6Address& a) {
    const auto& b = a.bytes();
    return Ipv4Address::from_bytes({b[12], b[13], b[14], b[15]});
}

std::optional<std::string> multicast_prefix_error(const Ipv6Prefix& p) {
    if (p.length() != kPrefix64Length) {
        return "a /96 prefix (the IPv4 group fills the last 32 bits)";
    }
    if (!p.address().is_multicast()) {
        return "a multicast prefix (ff00::/8)";
    }
    const auto scope = scope_of(p.address());
    if (scope < kScopeAdmin || scope == kScopeReserved) {
        return "a scope from 4 (admin-local) to e (global): smaller scopes never leave a link "
               "or realm";
    }
    return std::nullopt;
}

} // namespace

TranslationPrefixes TranslationPrefixes::defaults() {
    return {*Ipv6Prefix::parse("ff1e:1000::/96"), *Ipv6Prefix::parse("ff3e:0:8000::/96"),
            *Ipv6Prefix::parse("64:ff9b:1::/96")};
}

std::optional<std::string> asm_prefix64_error(const Ipv6Prefix& p) {
    if (auto error = multicast_prefix_error(p)) {
        return error;
    }
    const auto& b = p.address().bytes();
    // The R flag (RFC 3956, embedded RP) and the three reserved ff2 bits (RFC 7371) would
    // give the address another meaning.
    if ((b[1] & 0x40) != 0 || (b[2] & 0xe0) != 0) {
        return "an ASM prefix without the R flag and with the reserved flag bits zero";
    }
    // draft-ietf-mboned-64-multicast-address-format-06 §3.1: the M flag (bit 20) says an
    // IPv4 group is embedded.
    if ((b[2] & 0x10) == 0) {
        return "an ASM prefix with the M flag (bit 20: ff1e:1000::/96)";
    }
    return std::nullopt;
}

std::optional<std::string> ssm_prefix64_error(const Ipv6Prefix& p) {
    if (auto error = multicast_prefix_error(p)) {
        return error;
    }
    const auto& b = p.address().bytes();
    // Inside ff3x::/32, the IPv6 SSM range (RFC 4607 §1, RFC 3306 §6), but not ff3x::/96,
    // where native SSM groups are allocated: draft §3.2 reserves ff3x:0:8000::/96.
    const bool ssm_range = (b[1] >> 4) == 3 && b[2] == 0 && b[3] == 0;
    const bool native = std::all_of(b.begin() + 2, b.begin() + 12, [](auto x) { return x == 0; });
    if (!ssm_range || native) {
        return "an SSM prefix inside ff3x::/32 but outside ff3x::/96 (ff3e:0:8000::/96)";
    }
    return std::nullopt;
}

std::optional<std::string> source_prefix64_error(const Ipv6Prefix& p) {
    if (p.length() != kPrefix64Length) {
        return "a /96 prefix (the IPv4 source fills the last 32 bits)";
    }
    const auto& a = p.address();
    const auto& b = a.bytes();
    const bool compatible = std::all_of(b.begin(), b.begin() + 12, [](auto x) { return x == 0; });
    if (a.is_multicast() || a.is_link_local_unicast() || compatible) {
        return "a global or unique-local unicast prefix (64:ff9b:1::/96)";
    }
    // RFC 6052 §2.2: bits 64 to 71 (the "u" octet) MUST be zero.
    if (b[8] != 0) {
        return "a prefix whose bits 64 to 71 are zero (RFC 6052 §2.2)";
    }
    return std::nullopt;
}

MulticastMap64::MulticastMap64(const Ipv6Prefix& asm96, const Ipv6Prefix& ssm96,
                               std::vector<Ipv4Prefix> ssm4)
    : asm_(asm96), ssm_(ssm96), ssm4_(std::move(ssm4)) {
    if (ssm4_.empty()) {
        ssm4_.push_back(v4(232, 0, 0, 8)); // RFC 4607 §1
    }
}

bool MulticastMap64::is_ssm(const Ipv4Address& group) const {
    return std::any_of(ssm4_.begin(), ssm4_.end(),
                       [&](const Ipv4Prefix& p) { return p.contains(group); });
}

bool MulticastMap64::covers(const Ipv6Address& group) const {
    return under(asm_, group) || under(ssm_, group);
}

std::optional<Ipv6Address> MulticastMap64::to_ipv6(const Ipv4Address& group) const {
    // Built once: this runs per packet on the translation path.
    static const Ipv4Prefix kLinkLocalControl = v4(224, 0, 0, 24);
    static const Ipv4Prefix kLocalScope = v4(239, 255, 0, 16);
    static const Ipv4Prefix kAdminScoped = v4(239, 0, 0, 8);
    // 224.0.0.0/24 stays on its link (RFC 5771 §4).
    if (!group.is_multicast() || kLinkLocalControl.contains(group)) {
        return std::nullopt;
    }
    if (is_ssm(group)) {
        return embed_group(ssm_, group, scope_of(ssm_.address()));
    }
    // RFC 2365 §8's scopes, 239.255/16 as site (RFC 7346), never wider than the prefix's.
    std::uint8_t scope = scope_of(asm_.address());
    if (kLocalScope.contains(group)) {
        scope = std::min(scope, kScopeSite);
    } else if (kAdminScoped.contains(group)) {
        scope = std::min(scope, kScopeOrganization);
    }
    return embed_group(asm_, group, scope);
}

std::optional<Ipv4Address> MulticastMap64::to_ipv4(const Ipv6Address& group) const {
    if (!covers(group)) {
        return std::nullopt;
    }
    // Only the address to_ipv6 gives for its IPv4 group maps back: the scope, the kind
    // (ASM or SSM) and the group itself must agree.
    const auto candidate = low32(group);
    if (to_ipv6(candidate) != group) {
        return std::nullopt;
    }
    return candidate;
}

std::optional<Ipv6Address> SourceMap64::embed(const Ipv4Address& source) const {
    // RFC 6052 §3.1: the Well-Known Prefix never carries a non-global address (RFC 1918,
    // RFC 5735 §3, RFC 6598).
    static const std::array kNonGlobal{
        v4(0, 0, 0, 8),      v4(10, 0, 0, 8),     v4(100, 64, 0, 10), v4(127, 0, 0, 8),
        v4(169, 254, 0, 16), v4(172, 16, 0, 12),  v4(192, 0, 0, 24),  v4(192, 0, 2, 24),
        v4(192, 88, 99, 24), v4(192, 168, 0, 16), v4(198, 18, 0, 15), v4(198, 51, 100, 24),
        v4(203, 0, 113, 24), v4(224, 0, 0, 4),    v4(240, 0, 0, 4)};
    static const Ipv6Prefix kWellKnown = *Ipv6Prefix::parse("64:ff9b::/96");
    if (prefix_ == kWellKnown && std::any_of(kNonGlobal.begin(), kNonGlobal.end(),
                                             [&](const auto& p) { return p.contains(source); })) {
        return std::nullopt;
    }
    auto b = prefix_.address().bytes();
    const auto s = source.bytes();
    std::copy(s.begin(), s.end(), b.begin() + 12);
    return Ipv6Address{b};
}

std::optional<Ipv4Address> SourceMap64::extract(const Ipv6Address& source) const {
    if (!prefix_.contains(source)) {
        return std::nullopt;
    }
    const auto candidate = low32(source);
    if (embed(candidate) != source) {
        return std::nullopt; // a non-global address under the Well-Known Prefix
    }
    return candidate;
}

} // namespace ecmh::net
