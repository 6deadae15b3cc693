// SPDX-License-Identifier: BSD-3-Clause
#include "support/engine_script.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace ecmh::test::script {
namespace {

constexpr std::size_t kDefaultGroups = 4096; // ProxyConfig's defaults
constexpr std::size_t kDefaultSources = 512;

constexpr std::array<engine::MldMode, 4> kMldModes{engine::MldMode::Auto, engine::MldMode::V1Only,
                                                   engine::MldMode::V2Only, engine::MldMode::Auto};
constexpr std::array<std::uint8_t, 4> kIgmpVersions{3, 1, 2, 3};

// The fast profile of rfc-map §0.2 and variations on it; the default profile.
std::array<proto::ProtocolVariables, 8> make_profiles() {
    using std::chrono::milliseconds;
    std::array<proto::ProtocolVariables, 8> p;
    p.fill(proto::fast_test_profile());
    p[1] = proto::ProtocolVariables{};
    p[2].robustness = 1;
    p[3].robustness = 3;
    p[4].query_interval = milliseconds{10'000};
    p[4].query_response_interval = milliseconds{2'000};
    p[5].robustness = 7; // the largest a 3-bit QRV can say
    p[6].last_listener_query_interval = milliseconds{100};
    p[6].unsolicited_report_interval = milliseconds{100};
    p[7].query_response_interval = milliseconds{3'900}; // just below QI
    return p;
}

const std::array<proto::ProtocolVariables, 8> kProfiles = make_profiles();

bool same(const proto::ProtocolVariables& a, const proto::ProtocolVariables& b) {
    return a.robustness == b.robustness && a.query_interval == b.query_interval &&
           a.query_response_interval == b.query_response_interval &&
           a.last_listener_query_interval == b.last_listener_query_interval &&
           a.unsolicited_report_interval == b.unsolicited_report_interval &&
           a.old_unsolicited_report_interval == b.old_unsolicited_report_interval;
}

std::size_t cap(std::uint8_t index, std::size_t default_value) {
    return index == 0 ? default_value : kCaps.at(index);
}

template <class T, std::size_t N>
std::optional<std::uint8_t> index_of(const std::array<T, N>& table, const T& value) {
    const auto* const it = std::find(table.begin(), table.end(), value);
    return it == table.end() ? std::nullopt
                             : std::optional<std::uint8_t>{
                                   static_cast<std::uint8_t>(std::distance(table.begin(), it))};
}

std::optional<std::uint8_t> cap_index(std::size_t value, std::size_t default_value) {
    return value == default_value ? std::optional<std::uint8_t>{0} : index_of(kCaps, value);
}

} // namespace

std::span<const proto::ProtocolVariables> profiles() {
    return kProfiles;
}

Scenario::Options Header::options() const {
    Scenario::Options o;
    const unsigned families = flags & 3U;
    o.ipv6 = families != 2;
    o.ipv4 = families != 1;
    if (families == 3) {
        o.translation = net::TranslationPrefixes::defaults();
    }
    o.upstream = (flags & 4U) == 0;
    o.tunnel_mode = (flags & 8U) != 0;
    o.mld_mode = kMldModes.at((flags >> 4U) & 3U);
    o.igmp_version = kIgmpVersions.at((flags >> 6U) & 3U);
    o.max_groups_per_link = cap(limits & 7U, kDefaultGroups);
    o.max_sources_per_group = cap((limits >> 3U) & 7U, kDefaultSources);
    o.d2_mtu = kD2Mtus.at((limits >> 6U) & 3U);
    o.vars = kProfiles.at(profile % kProfiles.size());
    o.seed = seed;
    return o;
}

std::optional<Header> Header::from(const Scenario::Options& o) {
    const auto groups = cap_index(o.max_groups_per_link, kDefaultGroups);
    const auto sources = cap_index(o.max_sources_per_group, kDefaultSources);
    const auto mtu = index_of(kD2Mtus, o.d2_mtu);
    const auto igmp = index_of(kIgmpVersions, o.igmp_version);
    const auto mld = index_of(kMldModes, o.mld_mode);
    const auto* const profile = std::find_if(kProfiles.begin(), kProfiles.end(),
                                             [&](const auto& p) { return same(p, o.vars); });
    if (!groups || !sources || !mtu || !igmp || !mld || profile == kProfiles.end() ||
        o.seed > 0xff || (!o.ipv6 && !o.ipv4) || !o.u0_ipv4 ||
        (o.translation &&
         (!o.ipv6 || !o.ipv4 || *o.translation != net::TranslationPrefixes::defaults()))) {
        return std::nullopt;
    }
    Header h;
    const unsigned families = o.translation ? 3U : o.ipv6 && o.ipv4 ? 0U : o.ipv6 ? 1U : 2U;
    h.flags =
        static_cast<std::uint8_t>(families | (o.upstream ? 0U : 4U) | (o.tunnel_mode ? 8U : 0U) |
                                  (unsigned{*mld} << 4U) | (unsigned{*igmp} << 6U));
    h.limits = static_cast<std::uint8_t>(*groups | (unsigned{*sources} << 3U) | (*mtu << 6U));
    h.profile = static_cast<std::uint8_t>(std::distance(kProfiles.begin(), profile));
    h.seed = static_cast<std::uint8_t>(o.seed);
    return h;
}

bool Reader::u8(std::uint8_t& out) {
    if (rest_.empty()) {
        return false;
    }
    out = rest_.front();
    rest_ = rest_.subspan(1);
    return true;
}

bool Reader::u16(std::uint16_t& out) {
    std::uint8_t low = 0;
    std::uint8_t high = 0;
    if (!u8(low) || !u8(high)) {
        return false;
    }
    out = static_cast<std::uint16_t>(low | (high << 8U));
    return true;
}

bool Reader::u8s(std::span<std::uint8_t> out) {
    std::span<const std::uint8_t> in;
    if (!bytes(out.size(), in)) {
        return false;
    }
    std::copy(in.begin(), in.end(), out.begin());
    return true;
}

bool Reader::bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (rest_.size() < n) {
        return false;
    }
    out = rest_.first(n);
    rest_ = rest_.subspan(n);
    return true;
}

Writer::Writer(const Header& header)
    : bytes_{header.flags, header.limits, header.profile, header.seed} {}

void Writer::add(const Scenario::Input& input) {
    advance_to(input.at);
    switch (input.kind) {
    case Scenario::Input::Kind::Frame:
        op(Op::Frame);
        bytes_.push_back(link_index(input.link));
        bytes_.push_back(static_cast<std::uint8_t>(input.frame.size() & 0xffU));
        bytes_.push_back(static_cast<std::uint8_t>(input.frame.size() >> 8U));
        bytes_.insert(bytes_.end(), input.frame.begin(), input.frame.end());
        return;
    case Scenario::Input::Kind::RemoveLink:
    case Scenario::Input::Kind::RestoreLink:
        link(input.link, LinkAction::Presence);
        return;
    case Scenario::Input::Kind::LinkDown:
    case Scenario::Input::Kind::LinkUp:
        link(input.link, LinkAction::DownUp);
        return;
    case Scenario::Input::Kind::UpdateLink:
        update(input.link, *input.before, *input.after);
        return;
    case Scenario::Input::Kind::ResendReports:
    case Scenario::Input::Kind::Shutdown:
        op(Op::Command);
        bytes_.push_back(static_cast<std::uint8_t>(input.kind == Scenario::Input::Kind::Shutdown
                                                       ? Command::Shutdown
                                                       : Command::ResendReports));
        return;
    }
}

// Whole seconds, then milliseconds, then microseconds: the exact step in at most a few
// events.
void Writer::advance_to(proto::TimePoint t) {
    using std::chrono::duration_cast;
    auto left = duration_cast<std::chrono::microseconds>(t - now_).count();
    now_ = std::max(now_, t);
    const auto emit = [&](ClockUnit unit, std::int64_t per) {
        while (left >= per) {
            const auto n = std::min<std::int64_t>(left / per, 0xffff);
            clock(unit, static_cast<std::uint16_t>(n));
            left -= n * per;
        }
    };
    emit(ClockUnit::Seconds, 1'000'000);
    emit(ClockUnit::Millis, 1'000);
    emit(ClockUnit::Micros, 1);
}

void Writer::clock(ClockUnit unit, std::uint16_t amount) {
    op(Op::Clock);
    bytes_.push_back(static_cast<std::uint8_t>(unit));
    bytes_.push_back(static_cast<std::uint8_t>(amount & 0xffU));
    bytes_.push_back(static_cast<std::uint8_t>(amount >> 8U));
}

void Writer::link(const std::string& name, LinkAction action) {
    op(Op::Link);
    bytes_.push_back(
        static_cast<std::uint8_t>(link_index(name) | (static_cast<unsigned>(action) << 3U)));
}

// One event per field that changed; a change the format has no event for leaves the
// script incomplete.
void Writer::update(const std::string& name, const engine::LinkConfig& before,
                    const engine::LinkConfig& after) {
    const bool rest_same =
        before.name == after.name && before.ifindex == after.ifindex &&
        before.link_type == after.link_type && before.mac == after.mac &&
        before.global == after.global && before.ipv4_prefix_length == after.ipv4_prefix_length &&
        before.upstream == after.upstream && before.tunnel.has_value() == after.tunnel.has_value();
    complete_ = complete_ && rest_same;
    if (before.mtu != after.mtu) {
        link(name, LinkAction::Mtu);
        const auto mtu = static_cast<std::uint16_t>(std::min<std::uint32_t>(after.mtu, 0xffff));
        bytes_.push_back(static_cast<std::uint8_t>(mtu & 0xffU));
        bytes_.push_back(static_cast<std::uint8_t>(mtu >> 8U));
    }
    if (before.link_local != after.link_local) {
        link(name, LinkAction::Address);
        bytes_.push_back(after.link_local ? 0 : kAddressRemoved);
        if (after.link_local) {
            const auto b = after.link_local->bytes();
            bytes_.insert(bytes_.end(), b.begin(), b.end());
        }
    }
    if (before.ipv4 != after.ipv4) {
        link(name, LinkAction::Address);
        bytes_.push_back(after.ipv4 ? kAddressIpv4 : kAddressIpv4 | kAddressRemoved);
        if (after.ipv4) {
            const auto b = after.ipv4->bytes();
            bytes_.insert(bytes_.end(), b.begin(), b.end());
        }
    }
}

std::uint8_t Writer::link_index(const std::string& name) {
    const auto* const it = std::find(kLinkNames.begin(), kLinkNames.end(), name);
    if (it == kLinkNames.end()) {
        std::fprintf(stderr, "script: no link %s in the script's set\n", name.c_str());
        std::abort(); // a scenario with a link the format does not have: a test bug
    }
    return static_cast<std::uint8_t>(std::distance(kLinkNames.begin(), it));
}

SeedRecorder::SeedRecorder(Scenario& s) : s_(s) {
    const char* dir = std::getenv("ECMH_SCENARIO_SEEDS");
    const auto header = Header::from(s.options());
    if (dir == nullptr || *dir == '\0' || !header) {
        return;
    }
    dir_ = dir;
    writer_ = std::make_shared<Writer>(*header);
    s.on_input([writer = writer_](const Scenario::Input& input) { writer->add(input); });
}

void SeedRecorder::save(std::string name) const {
    if (!writer_ || !writer_->complete()) {
        return;
    }
    writer_->advance_to(s_.now());
    std::replace(name.begin(), name.end(), '/', '_');
    std::ofstream out(dir_ + "/" + name, std::ios::binary);
    const auto& bytes = writer_->bytes();
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

} // namespace ecmh::test::script
