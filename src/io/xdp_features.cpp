// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/xdp_features.hpp"

#include "ecmh/io/netlink_messages.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string_view>

namespace ecmh::io {
namespace {

// include/uapi/linux/netdev.h (Linux 6.3), which Debian 12's linux-libc-dev lacks.
constexpr std::uint8_t kNetdevCmdDevGet = 1;
constexpr std::uint8_t kNetdevCmdDevAddNtf = 2;
constexpr std::uint8_t kNetdevCmdDevDelNtf = 3;
constexpr std::uint8_t kNetdevCmdDevChangeNtf = 4;
constexpr std::uint16_t kNetdevAttrIfindex = 1;
constexpr std::uint16_t kNetdevAttrXdpFeatures = 3;
constexpr std::string_view kNetdevFamily = "netdev";
constexpr std::string_view kNetdevMgmtGroup = "mgmt"; // NETDEV_MCGRP_MGMT

// Appends one attribute: its header, the value, zeros to a multiple of 4.
void put_attribute(std::vector<std::uint8_t>& out, std::uint16_t type,
                   std::span<const std::uint8_t> value) {
    nlattr header{};
    header.nla_len = static_cast<std::uint16_t>(sizeof header + value.size());
    header.nla_type = type;
    const std::size_t at = out.size();
    out.resize(at + netlink_align(header.nla_len));
    std::memcpy(out.data() + at, &header, sizeof header);
    std::memcpy(out.data() + at + sizeof header, value.data(), value.size());
}

// A generic netlink request: nlmsghdr, genlmsghdr, the attributes given.
std::vector<std::uint8_t> request(std::uint16_t family, std::uint8_t command,
                                  std::uint32_t sequence, std::uint16_t attribute,
                                  std::span<const std::uint8_t> value) {
    std::vector<std::uint8_t> out(NLMSG_HDRLEN + GENL_HDRLEN);
    put_attribute(out, attribute, value);
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(out.size());
    header.nlmsg_type = family;
    header.nlmsg_flags = NLM_F_REQUEST;
    header.nlmsg_seq = sequence;
    genlmsghdr genl{};
    genl.cmd = command;
    genl.version = 1;
    std::memcpy(out.data(), &header, sizeof header);
    std::memcpy(out.data() + NLMSG_HDRLEN, &genl, sizeof genl);
    return out;
}

// The attributes of the first message of `reply` whose type is `family`, or nullopt
// (an error answer, another family's message, one too short for its generic header).
std::optional<std::span<const std::uint8_t>> attributes(std::span<const std::uint8_t> reply,
                                                        std::uint16_t family) {
    NetlinkMessageReader messages{reply};
    const auto m = messages.next();
    if (!m || m->header.nlmsg_type != family || m->payload.size() < GENL_HDRLEN) {
        return std::nullopt;
    }
    return m->payload.subspan(GENL_HDRLEN);
}

// The attribute `type` of the controller's answer; nullopt for an error, a malformed
// answer or one without it.
std::optional<NetlinkAttribute> controller_attribute(std::span<const std::uint8_t> reply,
                                                     std::uint16_t type) {
    const auto block = attributes(reply, GENL_ID_CTRL);
    if (!block) {
        return std::nullopt;
    }
    NetlinkAttributeReader reader{*block};
    while (auto a = reader.next()) {
        if (a->type == type) {
            return a;
        }
    }
    return std::nullopt;
}

// A fixed-size integer attribute's value in host order; nullopt for another size.
template <class T>
std::optional<T> integer(const NetlinkAttribute& a) {
    if (a.value.size() != sizeof(T)) {
        return std::nullopt;
    }
    T v{};
    std::memcpy(&v, a.value.data(), sizeof v);
    return v;
}

// Whether a string attribute holds `name` and its NUL: a name cut short ("mgm"), one
// without its NUL, or one with more after it is another name.
bool holds_name(const NetlinkAttribute& a, std::string_view name) {
    return a.value.size() == name.size() + 1 && a.value.back() == 0 &&
           std::equal(name.begin(), name.end(), a.value.begin());
}

// The id of the group named `name` in a CTRL_ATTR_MCAST_GROUPS block: one nested entry
// per group (its type is only its position), each holding a name and an id.
std::optional<std::uint32_t> group_id(std::span<const std::uint8_t> groups, std::string_view name) {
    NetlinkAttributeReader entries{groups};
    while (const auto entry = entries.next()) {
        bool named = false;
        std::optional<std::uint32_t> id;
        NetlinkAttributeReader fields{entry->value};
        while (const auto f = fields.next()) {
            if (f->type == CTRL_ATTR_MCAST_GRP_NAME) {
                named = holds_name(*f, name);
            } else if (f->type == CTRL_ATTR_MCAST_GRP_ID) {
                id = integer<std::uint32_t>(*f);
            }
        }
        if (named) {
            // Without an id of 32 bits the group cannot be joined; 0 is no group at all.
            return id.value_or(0) != 0 ? id : std::nullopt;
        }
    }
    return std::nullopt;
}

// The interface and its features from a dev message's attributes (a dev-get answer and
// every notification carry both); nullopt when either is missing or of the wrong size.
struct DevFields {
    std::uint32_t ifindex;
    std::uint64_t features;
};
std::optional<DevFields> dev_fields(std::span<const std::uint8_t> block) {
    std::optional<std::uint32_t> index;
    std::optional<std::uint64_t> bits;
    NetlinkAttributeReader reader{block};
    while (const auto a = reader.next()) {
        if (a->type == kNetdevAttrIfindex) {
            index = integer<std::uint32_t>(*a);
        } else if (a->type == kNetdevAttrXdpFeatures) {
            bits = integer<std::uint64_t>(*a);
        }
    }
    if (!index || !bits) {
        return std::nullopt;
    }
    return DevFields{*index, *bits};
}

// What a notification's command says happened; nullopt for any other command.
std::optional<XdpFeatureNotice::Kind> notice_kind(std::uint8_t command) {
    switch (command) {
    case kNetdevCmdDevAddNtf:
        return XdpFeatureNotice::Kind::Added;
    case kNetdevCmdDevDelNtf:
        return XdpFeatureNotice::Kind::Removed;
    case kNetdevCmdDevChangeNtf:
        return XdpFeatureNotice::Kind::Changed;
    default:
        return std::nullopt;
    }
}

// One message of the group as a notice; nullopt when it is none (see parse_netdev_notices).
std::optional<XdpFeatureNotice> notice(const NetlinkMessage& m, std::uint16_t family) {
    // Another family's message, or one too short for its generic header.
    if (m.header.nlmsg_type != family || m.payload.size() < GENL_HDRLEN) {
        return std::nullopt;
    }
    genlmsghdr genl{};
    std::memcpy(&genl, m.payload.data(), sizeof genl);
    const auto kind = notice_kind(genl.cmd);
    const auto fields = dev_fields(m.payload.subspan(GENL_HDRLEN));
    // A command that is no device notification, or one without its interface (0 is
    // none) or features.
    if (!kind || !fields || fields->ifindex == 0) {
        return std::nullopt;
    }
    return XdpFeatureNotice{*kind, net::IfIndex{fields->ifindex}, XdpFeatures{fields->features}};
}

} // namespace

std::string XdpFeatures::to_string() const {
    // The names netdev.yaml gives the bits, as `ynl` and `ip -d link` print them.
    constexpr std::array<std::string_view, 7> kNames{
        "basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload", "rx-sg", "ndo-xmit-sg"};
    std::string text;
    for (std::size_t bit = 0; bit < kNames.size(); ++bit) {
        if ((bits_ & (std::uint64_t{1} << bit)) != 0) {
            text += text.empty() ? "" : " ";
            text += kNames[bit];
        }
    }
    return text.empty() ? "none" : text;
}

std::vector<std::uint8_t> netdev_family_request(std::uint32_t sequence) {
    std::array<std::uint8_t, kNetdevFamily.size() + 1> name{}; // NUL-terminated
    std::memcpy(name.data(), kNetdevFamily.data(), kNetdevFamily.size());
    return request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, sequence, CTRL_ATTR_FAMILY_NAME, name);
}

std::optional<std::uint16_t> parse_netdev_family(std::span<const std::uint8_t> reply) {
    const auto id = controller_attribute(reply, CTRL_ATTR_FAMILY_ID);
    return id ? integer<std::uint16_t>(*id) : std::nullopt;
}

std::optional<std::uint32_t> parse_netdev_mgmt_group(std::span<const std::uint8_t> reply) {
    // None in a family without groups.
    const auto groups = controller_attribute(reply, CTRL_ATTR_MCAST_GROUPS);
    return groups ? group_id(groups->value, kNetdevMgmtGroup) : std::nullopt;
}

std::vector<std::uint8_t> netdev_dev_get_request(std::uint16_t family, net::IfIndex ifindex,
                                                 std::uint32_t sequence) {
    std::array<std::uint8_t, sizeof(std::uint32_t)> index{};
    const std::uint32_t value = ifindex.value();
    std::memcpy(index.data(), &value, sizeof value);
    return request(family, kNetdevCmdDevGet, sequence, kNetdevAttrIfindex, index);
}

std::optional<XdpFeatures> parse_netdev_dev(std::span<const std::uint8_t> reply,
                                            net::IfIndex ifindex) {
    if (ifindex.value() == 0) {
        return std::nullopt;
    }
    NetlinkMessageReader messages{reply};
    const auto m = messages.next();
    if (!m || m->header.nlmsg_type < NLMSG_MIN_TYPE) {
        return std::nullopt; // an error or a control message: no answer
    }
    const auto block = attributes(reply, m->header.nlmsg_type);
    if (!block) {
        return std::nullopt;
    }
    const auto fields = dev_fields(*block);
    // The answer must be about the interface asked for, and say what it can do.
    if (!fields || fields->ifindex != ifindex.value()) {
        return std::nullopt;
    }
    return XdpFeatures{fields->features};
}

std::vector<XdpFeatureNotice> parse_netdev_notices(std::span<const std::uint8_t> datagram,
                                                   std::uint16_t family) {
    std::vector<XdpFeatureNotice> notices;
    NetlinkMessageReader messages{datagram};
    while (const auto m = messages.next()) {
        if (auto n = notice(*m, family)) {
            notices.push_back(*n);
        }
    }
    return notices;
}

} // namespace ecmh::io
