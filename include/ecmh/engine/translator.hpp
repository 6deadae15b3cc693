// SPDX-License-Identifier: BSD-3-Clause
// IPv4 <-> IPv6 multicast translation (issue 16): membership. An IPv4 group and the IPv6
// group that carries it (net/translation_map.hpp) form a pair, and the pair has one home
// family, the one whose upstream reports it:
//
//   IPv4 when the IPv4 upstream that serves the group has an IPv4 address (the usual
//     case: IPv4 multicast from the provider, IPv6-only listeners at home);
//   otherwise IPv6 when an IPv6 upstream serves its counterpart (an IPv6-only uplink,
//     IPv4-only listeners);
//   otherwise IPv4 (reports from 0.0.0.0, RFC 3376 §4.2.13).
//
// The home family's upstream reports the RFC 4605 §4.1 merge of both families' listeners,
// the other family's translated (groups and sources through the maps); the other family
// reports nothing for the pair and leaves it if it had. One home per pair means one stream
// upstream, so a link never gets the pair's datagrams both natively and translated from
// the same source. Leaves, queries, compatibility modes and retransmissions are the home
// family's HostReporter's, as for a native group.
//
// Sources: an IPv6 listener's source outside the source prefix cannot be an IPv4 sender's,
// so it is dropped from its list (INCLUDE of none left: no contribution); an IPv4
// listener's source is embedded in the source prefix (RFC 6052 §2.2).
#pragma once

#include "ecmh/engine/family_plane.hpp"
#include "ecmh/engine/log_gate.hpp"
#include "ecmh/net/translation_map.hpp"

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace ecmh::engine {

class Translator {
public:
    enum class Home : std::uint8_t { Ipv4, Ipv6 };

    // The planes must outlive the translator; it registers itself with both and
    // unregisters in its destructor.
    Translator(const net::TranslationPrefixes& prefixes, std::vector<net::Ipv4Prefix> ssm4,
               FamilyPlane<proto::Ipv6Family>& mld, FamilyPlane<proto::Ipv4Family>& igmp,
               EventLog& log);
    Translator(const Translator&) = delete;
    Translator& operator=(const Translator&) = delete;
    Translator(Translator&&) = delete;
    Translator& operator=(Translator&&) = delete;
    ~Translator();

    [[nodiscard]] const net::TranslationPrefixes& prefixes() const { return prefixes_; }
    [[nodiscard]] const net::MulticastMap64& groups() const { return groups_; }
    [[nodiscard]] const net::SourceMap64& sources() const { return sources_; }
    [[nodiscard]] Home home(const net::Ipv4Address& g4, const net::Ipv6Address& g6) const;

    // While the links change (a link added, removed or renumbered), the pairs' homes may
    // be half known: the planes leave translated groups alone until settle(), which
    // merges again, for its home, every pair either family listens to or reports upstream
    // (a removed link's groups: listened to by nobody now, but still reported until
    // merged again).
    void unsettle() { settled_ = false; }
    void settle(proto::TimePoint now);

    // What each plane asks (CrossFamily, one overload per family).
    [[nodiscard]] PairRole role(const net::Ipv6Address& group) const;
    [[nodiscard]] PairRole role(const net::Ipv4Address& group) const;
    [[nodiscard]] std::vector<proto::MembershipState<net::Ipv6Address>>
    translated_members(const net::Ipv6Address& group) const;
    [[nodiscard]] std::vector<proto::MembershipState<net::Ipv4Address>>
    translated_members(const net::Ipv4Address& group) const;
    void listeners_changed(const net::Ipv6Address& group, proto::TimePoint now);
    void listeners_changed(const net::Ipv4Address& group, proto::TimePoint now);
    // The data path's first question, one lookup in a set of the translated groups only:
    // may the other family want this group's packets? (False: certainly not.)
    [[nodiscard]] bool wanted_in_ipv6(const net::Ipv4Address& group) const {
        return wanted_in_ipv6_.contains(group);
    }
    [[nodiscard]] bool wanted_in_ipv4(const net::Ipv6Address& group) const {
        return wanted_in_ipv4_.contains(group);
    }
    // The IPv4 groups whose counterparts IPv6 listeners want, and the reverse.
    [[nodiscard]] std::vector<net::Ipv4Address> wanted_by_ipv6() const;
    [[nodiscard]] std::vector<net::Ipv6Address> wanted_by_ipv4() const;

private:
    // Logs at debug level, at most once per LogGate interval, that `group` is not
    // translated.
    void note_unmapped(const std::string& group, proto::TimePoint now);
    // The pairs, by their IPv4 group, that an upstream of either family reports now.
    [[nodiscard]] std::vector<net::Ipv4Address> reported_pairs() const;

    net::TranslationPrefixes prefixes_;
    net::MulticastMap64 groups_;
    net::SourceMap64 sources_;
    FamilyPlane<proto::Ipv6Family>& mld_;
    FamilyPlane<proto::Ipv4Family>& igmp_;
    EventLog& log_;
    LogGate unmapped_log_;
    bool settled_ = true;
    // Kept by listeners_changed(): the groups whose counterparts have listeners.
    std::unordered_set<net::Ipv4Address> wanted_in_ipv6_;
    std::unordered_set<net::Ipv6Address> wanted_in_ipv4_;
    // The CrossFamily each plane holds: adapters that call the overloads above.
    std::unique_ptr<CrossFamily<net::Ipv6Address>> side6_;
    std::unique_ptr<CrossFamily<net::Ipv4Address>> side4_;
};

} // namespace ecmh::engine
