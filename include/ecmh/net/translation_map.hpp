// SPDX-License-Identifier: BSD-3-Clause
// IPv4 ↔ IPv6 multicast address mapping (issue 16, translation), as values built once from
// the options:
//
//   MulticastMap64: an IPv4 group ↔ an IPv6 group whose last 32 bits carry it, under an
//     ASM /96 prefix with the M flag (draft-ietf-mboned-64-multicast-address-format-06
//     §3.1, §3.3: "ff1e:1000::/96" by default) or the SSM /96 prefix ff3x:0:8000::/96
//     (§3.2; "ff3e:0:8000::/96" by default) for the groups of the IPv4 SSM range.
//   SourceMap64: an IPv4 source ↔ the IPv6 address of RFC 6052 §2.2's /96 form
//     ("64:ff9b:1::/96", RFC 8215, by default).
//
// The draft expired without becoming an RFC; it is still the one IETF text that specifies
// the mapping (RFC 7371 and RFC 8114/8115 build on it). The mapping is one to one:
//   - only the configured prefixes are read back (an address with the M flag alone maps
//     to nothing);
//   - the scope is kept (draft §3.3, after RFC 2365 §8): 239.255.0.0/16 (local scope) maps
//     to scope 5 (RFC 2365 §8 says 3, which RFC 7346 made realm-local, a scope ecmh never
//     forwards), the rest of 239.0.0.0/8 to scope 8, every other group to the prefix's own
//     scope; never a larger scope than the configured prefix's;
//   - 224.0.0.0/24 (link-local control, RFC 5771 §4) is never mapped, nor an ASM prefix's
//     address that carries an SSM group, nor the reverse.
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/prefix.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ecmh::net {

// Why a prefix cannot be a translation prefix; nullopt when it can.
[[nodiscard]] std::optional<std::string> asm_prefix64_error(const Ipv6Prefix& prefix);
[[nodiscard]] std::optional<std::string> ssm_prefix64_error(const Ipv6Prefix& prefix);
[[nodiscard]] std::optional<std::string> source_prefix64_error(const Ipv6Prefix& prefix);

// The three /96 prefixes of a translation setup (--translate-asm-prefix, -ssm-prefix,
// -source-prefix), each checked by its *_error function above.
struct TranslationPrefixes {
    Ipv6Prefix asm96;
    Ipv6Prefix ssm96;
    Ipv6Prefix source96;
    // ff1e:1000::/96 (the M flag, draft §3.1; transient, global scope), ff3e:0:8000::/96
    // (draft §3.2, global scope) and 64:ff9b:1::/96 (RFC 8215's local-use prefix, which
    // may carry private IPv4 sources, unlike the Well-Known Prefix: RFC 6052 §3.1).
    [[nodiscard]] static TranslationPrefixes defaults();
    friend bool operator==(const TranslationPrefixes&, const TranslationPrefixes&) = default;
};

class MulticastMap64 {
public:
    // The prefixes must pass asm_prefix64_error / ssm_prefix64_error. `ssm4`: the IPv4
    // SSM range (empty: 232.0.0.0/8, RFC 4607 §1).
    MulticastMap64(const Ipv6Prefix& asm96, const Ipv6Prefix& ssm96, std::vector<Ipv4Prefix> ssm4);

    // The IPv6 group that carries `group`, or nullopt when it does not map.
    [[nodiscard]] std::optional<Ipv6Address> to_ipv6(const Ipv4Address& group) const;
    // The IPv4 group `group` carries, or nullopt when it is not one that to_ipv6 gives.
    [[nodiscard]] std::optional<Ipv4Address> to_ipv4(const Ipv6Address& group) const;
    [[nodiscard]] bool is_ssm(const Ipv4Address& group) const;
    // `group` lies under the ASM or the SSM prefix, whatever its scope: an address meant
    // to be translated, whether or not it maps (for the "not translated" log line).
    [[nodiscard]] bool covers(const Ipv6Address& group) const;

private:
    Ipv6Prefix asm_;
    Ipv6Prefix ssm_;
    std::vector<Ipv4Prefix> ssm4_;
};

class SourceMap64 {
public:
    // The prefix must pass source_prefix64_error.
    explicit SourceMap64(const Ipv6Prefix& prefix96) : prefix_(prefix96) {}

    // RFC 6052 §2.2: the prefix and the 32 bits of `source`. nullopt for a non-global
    // address under the Well-Known Prefix 64:ff9b::/96, which "MUST NOT" represent one
    // (§3.1).
    [[nodiscard]] std::optional<Ipv6Address> embed(const Ipv4Address& source) const;
    // The IPv4 address an address inside the prefix carries; nullopt outside it.
    [[nodiscard]] std::optional<Ipv4Address> extract(const Ipv6Address& source) const;
    [[nodiscard]] const Ipv6Prefix& prefix() const { return prefix_; }

private:
    Ipv6Prefix prefix_;
};

} // namespace ecmh::net
