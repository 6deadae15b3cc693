// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/translator.hpp"

#include <algorithm>
#include <type_traits>

namespace ecmh::engine {
namespace {

using net::Ipv4Address;
using net::Ipv6Address;

// What a plane holds: the translator's overloads for its family.
template <class Address>
class Side final : public CrossFamily<Address> {
public:
    explicit Side(Translator& translator) : t_(translator) {}

    [[nodiscard]] PairRole role(const Address& group) const override { return t_.role(group); }
    [[nodiscard]] std::vector<proto::MembershipState<Address>>
    translated_members(const Address& group) const override {
        return t_.translated_members(group);
    }
    void listeners_changed(const Address& group, proto::TimePoint now) override {
        t_.listeners_changed(group, now);
    }
    [[nodiscard]] std::vector<Address> translated_groups() const override {
        if constexpr (std::is_same_v<Address, Ipv6Address>) {
            return t_.wanted_by_ipv4();
        } else {
            return t_.wanted_by_ipv6();
        }
    }

private:
    Translator& t_;
};

template <class Address>
void sort_unique(std::vector<Address>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Each member's state with its sources mapped; a source that does not map is left out
// (an IPv6 source outside the source prefix cannot be an IPv4 sender's; a private IPv4
// source has no address under the Well-Known Prefix).
template <class To, class Members, class Map>
std::vector<proto::MembershipState<To>> translate_states(const Members& members, Map map) {
    std::vector<proto::MembershipState<To>> out;
    for (const auto& member : members) {
        std::vector<To> mapped;
        for (const auto& source : member.state.sources) {
            if (const auto s = map(source)) {
                mapped.push_back(*s);
            }
        }
        out.push_back({member.state.mode, proto::SourceSet<To>::from(mapped)});
    }
    return out;
}

// `key` in `set` exactly when `present`.
template <class Set, class Key>
void mark(Set& set, const Key& key, bool present) {
    if (present) {
        set.insert(key);
    } else {
        set.erase(key);
    }
}

} // namespace

Translator::Translator(const net::TranslationPrefixes& prefixes, std::vector<net::Ipv4Prefix> ssm4,
                       FamilyPlane<proto::Ipv6Family>& mld, FamilyPlane<proto::Ipv4Family>& igmp,
                       EventLog& log)
    : prefixes_(prefixes), groups_(prefixes.asm96, prefixes.ssm96, std::move(ssm4)),
      sources_(prefixes.source96), mld_(mld), igmp_(igmp), log_(log),
      side6_(std::make_unique<Side<Ipv6Address>>(*this)),
      side4_(std::make_unique<Side<Ipv4Address>>(*this)) {
    mld_.set_cross_family(side6_.get());
    igmp_.set_cross_family(side4_.get());
}

Translator::~Translator() {
    mld_.set_cross_family(nullptr);
    igmp_.set_cross_family(nullptr);
}

Translator::Home Translator::home(const Ipv4Address& g4, const Ipv6Address& g6) const {
    if (const auto own = igmp_.upstream_address(g4); own && !own->is_unspecified()) {
        return Home::Ipv4;
    }
    if (mld_.upstream_address(g6)) {
        return Home::Ipv6;
    }
    return Home::Ipv4;
}

PairRole Translator::role(const Ipv6Address& group) const {
    const auto g4 = groups_.to_ipv4(group);
    if (!g4) {
        return PairRole::None;
    }
    if (!settled_) {
        return PairRole::Unsettled;
    }
    return home(*g4, group) == Home::Ipv6 ? PairRole::Home : PairRole::Elsewhere;
}

PairRole Translator::role(const Ipv4Address& group) const {
    const auto g6 = groups_.to_ipv6(group);
    if (!g6) {
        return PairRole::None;
    }
    if (!settled_) {
        return PairRole::Unsettled;
    }
    return home(group, *g6) == Home::Ipv4 ? PairRole::Home : PairRole::Elsewhere;
}

std::vector<proto::MembershipState<Ipv6Address>>
Translator::translated_members(const Ipv6Address& group) const {
    const auto g4 = groups_.to_ipv4(group);
    if (!g4) {
        return {};
    }
    return translate_states<Ipv6Address>(igmp_.forwarding().members(*g4),
                                         [&](const Ipv4Address& s) { return sources_.embed(s); });
}

std::vector<proto::MembershipState<Ipv4Address>>
Translator::translated_members(const Ipv4Address& group) const {
    const auto g6 = groups_.to_ipv6(group);
    if (!g6) {
        return {};
    }
    return translate_states<Ipv4Address>(mld_.forwarding().members(*g6),
                                         [&](const Ipv6Address& s) { return sources_.extract(s); });
}

void Translator::listeners_changed(const Ipv6Address& group, proto::TimePoint now) {
    const auto g4 = groups_.to_ipv4(group);
    if (!g4) {
        if (groups_.covers(group)) {
            note_unmapped(group.to_string(), now);
        }
        return;
    }
    mark(wanted_in_ipv6_, *g4, !mld_.forwarding().members(group).empty());
    igmp_.refresh_upstream(*g4, now);
}

void Translator::listeners_changed(const Ipv4Address& group, proto::TimePoint now) {
    // Every IPv4 group a router tracks maps (only 224.0.0.0/24 does not, and its groups
    // are never tracked), so there is nothing to log here.
    if (const auto g6 = groups_.to_ipv6(group)) {
        mark(wanted_in_ipv4_, *g6, !igmp_.forwarding().members(group).empty());
        mld_.refresh_upstream(*g6, now);
    }
}

std::vector<Ipv4Address> Translator::wanted_by_ipv6() const {
    std::vector<Ipv4Address> out;
    for (const auto& g6 : mld_.listened_groups()) {
        if (const auto g4 = groups_.to_ipv4(g6)) {
            out.push_back(*g4);
        }
    }
    sort_unique(out);
    return out;
}

std::vector<Ipv6Address> Translator::wanted_by_ipv4() const {
    std::vector<Ipv6Address> out;
    for (const auto& g4 : igmp_.listened_groups()) {
        if (const auto g6 = groups_.to_ipv6(g4)) {
            out.push_back(*g6);
        }
    }
    sort_unique(out);
    return out;
}

void Translator::settle(proto::TimePoint now) {
    settled_ = true;
    // Every pair either family listens to, merged again in both: the family that is no
    // longer its home leaves it, the one that now is reports it. And every pair an
    // upstream reports: when its last listeners went with a removed link, no family
    // listens to it any more, yet its home's upstream still reports it.
    auto pairs = igmp_.listened_groups();
    const auto wanted = wanted_by_ipv6();
    pairs.insert(pairs.end(), wanted.begin(), wanted.end());
    const auto reported = reported_pairs();
    pairs.insert(pairs.end(), reported.begin(), reported.end());
    sort_unique(pairs);
    for (const auto& g4 : pairs) {
        if (const auto g6 = groups_.to_ipv6(g4)) {
            if (home(g4, *g6) == Home::Ipv4) {
                mld_.refresh_upstream(*g6, now); // leaves first
                igmp_.refresh_upstream(g4, now);
            } else {
                igmp_.refresh_upstream(g4, now);
                mld_.refresh_upstream(*g6, now);
            }
        }
    }
}

std::vector<Ipv4Address> Translator::reported_pairs() const {
    std::vector<Ipv4Address> out;
    igmp_.for_each_upstream([&](LinkId, const auto& host) {
        host.for_each_group([&](const auto& view) {
            if (groups_.to_ipv6(view.group)) {
                out.push_back(view.group);
            }
        });
    });
    mld_.for_each_upstream([&](LinkId, const auto& host) {
        host.for_each_group([&](const auto& view) {
            if (const auto g4 = groups_.to_ipv4(view.group)) {
                out.push_back(*g4);
            }
        });
    });
    return out;
}

void Translator::note_unmapped(const std::string& group, proto::TimePoint now) {
    if (log_.enabled(LogLevel::Debug) && unmapped_log_.open(now)) {
        log_.log(LogLevel::Debug,
                 "not translated: " + group +
                     " lies under a translation prefix but carries no IPv4 group that maps "
                     "to it (scope or kind differ)");
    }
}

} // namespace ecmh::engine
