// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/xdp_features.hpp"

#include "ecmh/io/netlink_messages.hpp"

#include <array>
#include <cstring>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string_view>

namespace ecmh::io {
namespace {

// include/uapi/linux/netdev.h (Linux 6.3), which Debian 12's linux-libc-dev lacks.
constexpr std::uint8_t kNetdevCmdDevGet = 1;
constexpr std::uint16_t kNetdevAttrIfindex = 1;
constexpr std::uint16_t kNetdevAttrXdpFeatures = 3;
constexpr std::string_view kNetdevFamily = "netdev";

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
    const auto block = attributes(reply, GENL_ID_CTRL);
    if (!block) {
        return std::nullopt;
    }
    NetlinkAttributeReader reader{*block};
    while (const auto a = reader.next()) {
        if (a->type == CTRL_ATTR_FAMILY_ID) {
            return integer<std::uint16_t>(*a);
        }
    }
    return std::nullopt;
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
    std::optional<std::uint32_t> index;
    std::optional<std::uint64_t> bits;
    NetlinkAttributeReader reader{*block};
    while (const auto a = reader.next()) {
        if (a->type == kNetdevAttrIfindex) {
            index = integer<std::uint32_t>(*a);
        } else if (a->type == kNetdevAttrXdpFeatures) {
            bits = integer<std::uint64_t>(*a);
        }
    }
    // The answer must be about the interface asked for, and say what it can do.
    if (index != ifindex.value() || !bits) {
        return std::nullopt;
    }
    return XdpFeatures{*bits};
}

} // namespace ecmh::io
