// SPDX-License-Identifier: BSD-3-Clause
// Real frames from a Linux kernel (tests/captures/, made by make_captures.sh): each one
// must parse, link → IP → MLD/IGMP, to exactly what a person reading the capture in
// Wireshark (or `tcpdump -vv -e -r`) would list. The tables below were written from
// reading the captures, not from the parsers' output; tests/captures/README.md has the
// tcpdump listing of every frame.
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/mac_address.hpp"
#include "ecmh/wire/group_record.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/parse_error.hpp"
#include "support/pcap_file.hpp"

#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <variant>
#include <vector>

using namespace ecmh;
using wire::RecordType;

namespace {

constexpr std::uint16_t kLinkTypeEthernet = 1;

// The two ends of the veth pair (make_captures.sh).
constexpr const char* kHostMac = "02:00:00:00:00:0a";
constexpr const char* kRouterMac = "02:00:00:00:01:00";

constexpr RecordType IS_EX = RecordType::ModeIsExclude;
constexpr RecordType TO_IN = RecordType::ChangeToIncludeMode;
constexpr RecordType TO_EX = RecordType::ChangeToExcludeMode;
constexpr RecordType ALLOW = RecordType::AllowNewSources;
constexpr RecordType BLOCK = RecordType::BlockOldSources;

// MLD: V1Report/Leave = MLDv1 Report/Done, V2Report = MLDv2 Report. IGMP: V1Report,
// V2Report, Leave = IGMPv1/v2 Membership Report, IGMPv2 Leave Group; V3Report = IGMPv3.
enum class Message : std::uint8_t { Query, V1Report, V2Report, V3Report, Leave };

struct Record {
    RecordType type;
    const char* group;
    std::vector<const char*> sources;
};

// One frame as Wireshark shows it. For a Query the fields are those query.py sends
// (General Query, Max Resp 1 s, QRV 2, QQIC 125, S 0, no sources).
struct Frame {
    std::size_t frame_length; // bytes on the wire = bytes captured
    const char* mac_source;
    const char* mac_destination;
    const char* ip_source;
    const char* ip_destination;
    std::size_t ip_length; // IPv6 Payload Length / IPv4 Total Length
    Message message;
    const char* group; // v1/v2 Report, Done, Leave
    std::vector<Record> records;
};

std::string capture_path(const char* name) {
    return std::string(ECMH_TEST_DATA_DIR) + "/captures/" + name;
}

net::MacAddress mac(const char* text) {
    const auto parsed = net::MacAddress::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(net::MacAddress{});
}

net::Ipv6Address v6(const char* text) {
    const auto parsed = net::Ipv6Address::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(net::Ipv6Address{});
}

net::Ipv4Address v4(const char* text) {
    const auto parsed = net::Ipv4Address::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(net::Ipv4Address{});
}

template <class Address>
std::vector<std::string> texts(const wire::SourceListView<Address>& sources) {
    std::vector<std::string> out;
    for (const auto& source : sources) {
        out.push_back(source.to_string());
    }
    return out;
}

template <class Parse>
std::vector<std::string> texts(const std::vector<const char*>& sources, Parse parse) {
    std::vector<std::string> out;
    for (const char* source : sources) {
        out.push_back(parse(source).to_string());
    }
    return out;
}

// --- Table helpers: the shapes of frame the captures hold.

Frame mld_report(std::size_t frame_length, std::size_t payload_length,
                 std::vector<Record> records) {
    return {frame_length,      kHostMac, "33:33:00:00:00:16", "fe80::a", "ff02::16", payload_length,
            Message::V2Report, "",       std::move(records)};
}

Frame mld_query() {
    return {90, kRouterMac, "33:33:00:00:00:01", "fe80::100", "ff02::1", 36, Message::Query,
            "", {}};
}

Frame igmp_report(std::size_t frame_length, std::size_t total_length, std::vector<Record> records) {
    return {frame_length,      kHostMac,     "01:00:5e:00:00:16",
            "198.51.100.10",   "224.0.0.22", total_length,
            Message::V3Report, "",           std::move(records)};
}

Frame igmp_query() {
    return {50, kRouterMac, "01:00:5e:00:00:01", "198.51.100.100", "224.0.0.1", 36, Message::Query,
            "", {}};
}

// --- MLD

void check_mld_frame(const test::PcapRecord& record, const Frame& want) {
    EXPECT_EQ(record.bytes.size(), want.frame_length);
    EXPECT_EQ(record.original_length, want.frame_length);

    const auto link = wire::parse_link_frame(wire::LinkType::Ethernet, record.bytes);
    ASSERT_TRUE(link.has_value()) << wire::to_string(link.error());
    EXPECT_EQ(link->source, mac(want.mac_source)) << link->source.to_string();
    EXPECT_EQ(link->destination, mac(want.mac_destination)) << link->destination.to_string();
    EXPECT_FALSE(link->vlan_tci.has_value());
    ASSERT_EQ(link->protocol, wire::NetworkProtocol::Ipv6);

    const auto ip = wire::parse_ipv6(link->payload);
    ASSERT_TRUE(ip.has_value()) << wire::to_string(ip.error());
    EXPECT_EQ(ip->source, v6(want.ip_source)) << ip->source.to_string();
    EXPECT_EQ(ip->destination, v6(want.ip_destination)) << ip->destination.to_string();
    EXPECT_EQ(ip->traffic_class, 0);
    EXPECT_EQ(ip->flow_label, 0U);
    EXPECT_EQ(ip->hop_limit, 1);
    EXPECT_EQ(ip->packet.size(), 40 + want.ip_length);
    // "HBH (rtalert: 0x0000) (padn)": one 8-byte Hop-by-Hop header, then ICMPv6.
    EXPECT_TRUE(ip->has_hop_by_hop);
    EXPECT_EQ(ip->router_alert_count, 1);
    EXPECT_EQ(ip->router_alert_value, 0);
    EXPECT_EQ(ip->header_length, 48U);
    EXPECT_EQ(ip->next_header, 58);
    EXPECT_EQ(ip->payload.size(), want.ip_length - 8);
    EXPECT_FALSE(ip->is_fragment);

    const auto mld = wire::parse_mld(*ip);
    ASSERT_TRUE(mld.has_value()) << wire::to_string(mld.error());
    switch (want.message) {
    case Message::Query: {
        const auto* query = std::get_if<wire::MldQuery>(&*mld);
        ASSERT_NE(query, nullptr) << "not a Query, variant index " << mld->index();
        EXPECT_EQ(query->version, wire::MldVersion::V2);
        EXPECT_TRUE(query->is_general());
        EXPECT_EQ(query->group, net::Ipv6Address{});
        EXPECT_EQ(query->max_response_code, 1000);
        EXPECT_EQ(query->max_response_ms, 1000U);
        EXPECT_FALSE(query->suppress_router_side);
        EXPECT_EQ(query->qrv, 2);
        EXPECT_EQ(query->qqic, 125);
        EXPECT_EQ(query->query_interval_s, 125U);
        EXPECT_TRUE(query->sources.empty());
        break;
    }
    case Message::V1Report: {
        const auto* report = std::get_if<wire::MldV1Report>(&*mld);
        ASSERT_NE(report, nullptr) << "not an MLDv1 Report, variant index " << mld->index();
        EXPECT_EQ(report->group, v6(want.group)) << report->group.to_string();
        break;
    }
    case Message::Leave: {
        const auto* done = std::get_if<wire::MldV1Done>(&*mld);
        ASSERT_NE(done, nullptr) << "not an MLDv1 Done, variant index " << mld->index();
        EXPECT_EQ(done->group, v6(want.group)) << done->group.to_string();
        break;
    }
    case Message::V3Report:
        FAIL() << "no MLDv3";
    case Message::V2Report: {
        const auto* report = std::get_if<wire::MldV2Report>(&*mld);
        ASSERT_NE(report, nullptr) << "not an MLDv2 Report, variant index " << mld->index();
        ASSERT_EQ(report->record_count(), want.records.size());
        std::size_t i = 0;
        for (const wire::MldRecord& got : *report) {
            ASSERT_LT(i, want.records.size());
            const Record& r = want.records[i++];
            SCOPED_TRACE("record " + std::to_string(i));
            EXPECT_TRUE(got.known_type());
            EXPECT_EQ(int{got.type}, static_cast<int>(r.type))
                << wire::to_string(got.record_type());
            EXPECT_EQ(got.aux_words, 0);
            EXPECT_EQ(got.group, v6(r.group)) << got.group.to_string();
            EXPECT_EQ(texts(got.sources), texts(r.sources, v6));
        }
        EXPECT_EQ(i, want.records.size());
        break;
    }
    }
}

// --- IGMP

void check_igmp_frame(const test::PcapRecord& record, const Frame& want) {
    EXPECT_EQ(record.bytes.size(), want.frame_length);
    EXPECT_EQ(record.original_length, want.frame_length);

    const auto link = wire::parse_link_frame(wire::LinkType::Ethernet, record.bytes);
    ASSERT_TRUE(link.has_value()) << wire::to_string(link.error());
    EXPECT_EQ(link->source, mac(want.mac_source)) << link->source.to_string();
    EXPECT_EQ(link->destination, mac(want.mac_destination)) << link->destination.to_string();
    EXPECT_FALSE(link->vlan_tci.has_value());
    ASSERT_EQ(link->protocol, wire::NetworkProtocol::Ipv4);

    const auto ip = wire::parse_ipv4(link->payload);
    ASSERT_TRUE(ip.has_value()) << wire::to_string(ip.error());
    EXPECT_EQ(ip->source, v4(want.ip_source)) << ip->source.to_string();
    EXPECT_EQ(ip->destination, v4(want.ip_destination)) << ip->destination.to_string();
    // "(tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), ..., options (RA))";
    // the scapy query: "id 1, flags [none]".
    const bool from_host = want.message != Message::Query;
    EXPECT_EQ(ip->tos, 0xc0);
    EXPECT_EQ(ip->ttl, 1);
    EXPECT_EQ(ip->protocol, 2);
    EXPECT_EQ(ip->identification, from_host ? 0 : 1);
    EXPECT_EQ(ip->dont_fragment, from_host);
    EXPECT_FALSE(ip->more_fragments);
    EXPECT_EQ(ip->fragment_offset, 0);
    EXPECT_FALSE(ip->is_fragment());
    EXPECT_EQ(ip->packet.size(), want.ip_length);
    EXPECT_EQ(ip->header_length, 24U);
    EXPECT_EQ(ip->payload.size(), want.ip_length - 24);
    EXPECT_EQ(ip->router_alert_count, 1);
    EXPECT_EQ(ip->router_alert_value, 0);
    EXPECT_FALSE(ip->source_route);

    const auto igmp = wire::parse_igmp(*ip);
    ASSERT_TRUE(igmp.has_value()) << wire::to_string(igmp.error());
    switch (want.message) {
    case Message::Query: {
        const auto* query = std::get_if<wire::IgmpQuery>(&*igmp);
        ASSERT_NE(query, nullptr) << "not a Query, variant index " << igmp->index();
        EXPECT_EQ(query->version, wire::IgmpVersion::V3);
        EXPECT_TRUE(query->is_general());
        EXPECT_EQ(query->group, net::Ipv4Address{});
        EXPECT_EQ(query->max_response_code, 10);
        EXPECT_EQ(query->max_response_tenths, 10U);
        EXPECT_FALSE(query->suppress_router_side);
        EXPECT_EQ(query->qrv, 2);
        EXPECT_EQ(query->qqic, 125);
        EXPECT_EQ(query->query_interval_s, 125U);
        EXPECT_TRUE(query->sources.empty());
        break;
    }
    case Message::V1Report: {
        const auto* report = std::get_if<wire::IgmpV1Report>(&*igmp);
        ASSERT_NE(report, nullptr) << "not an IGMPv1 Report, variant index " << igmp->index();
        EXPECT_EQ(report->group, v4(want.group)) << report->group.to_string();
        break;
    }
    case Message::V2Report: {
        const auto* report = std::get_if<wire::IgmpV2Report>(&*igmp);
        ASSERT_NE(report, nullptr) << "not an IGMPv2 Report, variant index " << igmp->index();
        EXPECT_EQ(report->group, v4(want.group)) << report->group.to_string();
        break;
    }
    case Message::Leave: {
        const auto* leave = std::get_if<wire::IgmpV2Leave>(&*igmp);
        ASSERT_NE(leave, nullptr) << "not an IGMPv2 Leave, variant index " << igmp->index();
        EXPECT_EQ(leave->group, v4(want.group)) << leave->group.to_string();
        break;
    }
    case Message::V3Report: {
        const auto* report = std::get_if<wire::IgmpV3Report>(&*igmp);
        ASSERT_NE(report, nullptr) << "not an IGMPv3 Report, variant index " << igmp->index();
        ASSERT_EQ(report->record_count(), want.records.size());
        std::size_t i = 0;
        for (const wire::IgmpRecord& got : *report) {
            ASSERT_LT(i, want.records.size());
            const Record& r = want.records[i++];
            SCOPED_TRACE("record " + std::to_string(i));
            EXPECT_TRUE(got.known_type());
            EXPECT_EQ(int{got.type}, static_cast<int>(r.type))
                << wire::to_string(got.record_type());
            EXPECT_EQ(got.aux_words, 0);
            EXPECT_EQ(got.group, v4(r.group)) << got.group.to_string();
            EXPECT_EQ(texts(got.sources), texts(r.sources, v4));
        }
        EXPECT_EQ(i, want.records.size());
        break;
    }
    }
}

using FrameCheck = void (*)(const test::PcapRecord&, const Frame&);

void check_capture(const char* name, const std::vector<Frame>& frames, FrameCheck check) {
    SCOPED_TRACE(name);
    const auto file = test::read_pcap_file(capture_path(name));
    ASSERT_TRUE(file.has_value()) << test::to_string(file.error());
    EXPECT_EQ(file->link_type, kLinkTypeEthernet);
    ASSERT_EQ(file->records.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        SCOPED_TRACE("frame " + std::to_string(i + 1)); // Wireshark numbers from 1
        check(file->records[i], frames[i]);
    }
}

const char* const G6 = "ff0e::1:1000";
const char* const SSM6 = "ff3e::8000:1";
const char* const S6A = "2001:db8:1::1";
const char* const S6B = "2001:db8:1::2";
const char* const G4 = "239.1.1.1";
const char* const SSM4 = "232.1.1.1";
const char* const S4A = "192.0.2.101";
const char* const S4B = "192.0.2.102";

} // namespace

// --- MLD captures

TEST(Capture, MldV2AnySourceJoinLeave) {
    check_capture("mldv2_asm_join_leave.pcap",
                  {
                      mld_report(90, 36, {{TO_EX, G6, {}}}),
                      mld_report(90, 36, {{TO_EX, G6, {}}}),
                      mld_report(90, 36, {{TO_IN, G6, {}}}),
                      mld_report(90, 36, {{TO_IN, G6, {}}}),
                  },
                  check_mld_frame);
}

TEST(Capture, MldV2SourceSpecificJoinLeave) {
    check_capture("mldv2_ssm_join_leave.pcap",
                  {
                      mld_report(106, 52, {{ALLOW, SSM6, {S6A}}}),
                      mld_report(106, 52, {{ALLOW, SSM6, {S6A}}}),
                      mld_report(106, 52, {{ALLOW, SSM6, {S6B}}}),
                      mld_report(106, 52, {{ALLOW, SSM6, {S6B}}}),
                      mld_report(106, 52, {{BLOCK, SSM6, {S6A}}}),
                      mld_report(106, 52, {{BLOCK, SSM6, {S6A}}}),
                      mld_report(106, 52, {{BLOCK, SSM6, {S6B}}}),
                      mld_report(106, 52, {{BLOCK, SSM6, {S6B}}}),
                  },
                  check_mld_frame);
}

TEST(Capture, MldV2ExcludeSourcesAndGeneralQuery) {
    check_capture("mldv2_exclude_sources.pcap",
                  {
                      mld_report(90, 36, {{TO_EX, G6, {}}}),
                      mld_report(90, 36, {{TO_EX, G6, {}}}),
                      mld_report(106, 52, {{BLOCK, G6, {S6A}}}),
                      mld_report(106, 52, {{BLOCK, G6, {S6A}}}),
                      mld_report(106, 52, {{BLOCK, G6, {S6B}}}),
                      mld_report(106, 52, {{BLOCK, G6, {S6B}}}),
                      mld_query(),
                      // The current-state answer also lists the solicited-node group of
                      // fe80::a (ff02::1 itself is never reported).
                      mld_report(142, 88, {{IS_EX, G6, {S6A, S6B}}, {IS_EX, "ff02::1:ff00:a", {}}}),
                      mld_report(90, 36, {{TO_IN, G6, {}}}),
                      mld_report(90, 36, {{TO_IN, G6, {}}}),
                  },
                  check_mld_frame);
}

TEST(Capture, MldV1JoinLeave) {
    const Frame report{86, kHostMac, "33:33:00:01:10:00", "fe80::a", G6, 32, Message::V1Report,
                       G6, {}};
    const Frame done{86, kHostMac, "33:33:00:00:00:02", "fe80::a", "ff02::2", 32, Message::Leave,
                     G6, {}};
    check_capture("mldv1_join_leave.pcap", {report, report, done}, check_mld_frame);
}

// --- IGMP captures

TEST(Capture, IgmpV3AnySourceJoinLeave) {
    check_capture("igmpv3_asm_join_leave.pcap",
                  {
                      igmp_report(54, 40, {{TO_EX, G4, {}}}),
                      igmp_report(54, 40, {{TO_EX, G4, {}}}),
                      igmp_report(54, 40, {{TO_IN, G4, {}}}),
                      igmp_report(54, 40, {{TO_IN, G4, {}}}),
                  },
                  check_igmp_frame);
}

TEST(Capture, IgmpV3SourceSpecificJoinLeave) {
    check_capture("igmpv3_ssm_join_leave.pcap",
                  {
                      igmp_report(58, 44, {{ALLOW, SSM4, {S4A}}}),
                      igmp_report(58, 44, {{ALLOW, SSM4, {S4A}}}),
                      igmp_report(58, 44, {{ALLOW, SSM4, {S4B}}}),
                      igmp_report(58, 44, {{ALLOW, SSM4, {S4B}}}),
                      igmp_report(58, 44, {{BLOCK, SSM4, {S4A}}}),
                      igmp_report(58, 44, {{BLOCK, SSM4, {S4A}}}),
                      igmp_report(58, 44, {{BLOCK, SSM4, {S4B}}}),
                      igmp_report(58, 44, {{BLOCK, SSM4, {S4B}}}),
                  },
                  check_igmp_frame);
}

TEST(Capture, IgmpV3ExcludeSourcesAndGeneralQuery) {
    check_capture("igmpv3_exclude_sources.pcap",
                  {
                      igmp_report(54, 40, {{TO_EX, G4, {}}}),
                      igmp_report(54, 40, {{TO_EX, G4, {}}}),
                      igmp_report(58, 44, {{BLOCK, G4, {S4A}}}),
                      igmp_report(58, 44, {{BLOCK, G4, {S4A}}}),
                      igmp_report(58, 44, {{BLOCK, G4, {S4B}}}),
                      igmp_report(58, 44, {{BLOCK, G4, {S4B}}}),
                      igmp_query(),
                      igmp_report(62, 48, {{IS_EX, G4, {S4A, S4B}}}),
                      igmp_report(54, 40, {{TO_IN, G4, {}}}),
                      igmp_report(54, 40, {{TO_IN, G4, {}}}),
                  },
                  check_igmp_frame);
}

TEST(Capture, IgmpV2JoinLeave) {
    // "igmp v2 report 239.1.1.1" (to the group) ×2, "igmp leave 239.1.1.1" (to 224.0.0.2).
    const Frame report{
        46, kHostMac, "01:00:5e:01:01:01", "198.51.100.10", G4, 32, Message::V2Report, G4, {}};
    const Frame leave{46,          kHostMac, "01:00:5e:00:00:02", "198.51.100.10",
                      "224.0.0.2", 32,       Message::Leave,      G4,
                      {}};
    check_capture("igmpv2_join_leave.pcap", {report, report, leave}, check_igmp_frame);
}

TEST(Capture, IgmpV1JoinLeave) {
    // "igmp v1 report 239.1.1.1" (type 0x12, to the group) ×2; IGMPv1 has no Leave.
    const Frame report{
        46, kHostMac, "01:00:5e:01:01:01", "198.51.100.10", G4, 32, Message::V1Report, G4, {}};
    check_capture("igmpv1_join_leave.pcap", {report, report}, check_igmp_frame);
}
