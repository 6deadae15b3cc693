// SPDX-License-Identifier: BSD-3-Clause
#include "netlink_builder.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

namespace ecmh::test::nl {
namespace {

void pad4(Bytes& b) {
    while (b.size() % 4 != 0) {
        b.push_back(0);
    }
}

void append(Bytes& to, const Bytes& from) {
    to.insert(to.end(), from.begin(), from.end());
}

} // namespace

Bytes u8(std::uint8_t v) {
    return raw(v);
}

Bytes u16(std::uint16_t v) {
    return raw(v);
}

Bytes u32(std::uint32_t v) {
    return raw(v);
}

Bytes text(const std::string& s) {
    Bytes b(s.begin(), s.end());
    b.push_back(0);
    return b;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes b;
    for (const auto& p : parts) {
        append(b, p);
    }
    return b;
}

std::uint16_t nested(int type) {
    return static_cast<std::uint16_t>(type | NLA_F_NESTED);
}

Bytes encode(const Attr& a) {
    rtattr header{};
    header.rta_len = static_cast<unsigned short>(sizeof header + a.value.size());
    header.rta_type = a.type;
    Bytes b = raw(header);
    append(b, a.value);
    pad4(b);
    return b;
}

Bytes message(std::uint16_t type, const Bytes& fixed, const std::vector<Attr>& attrs,
              std::uint16_t flags) {
    Bytes body = fixed;
    pad4(body);
    for (const auto& a : attrs) {
        append(body, encode(a));
    }
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(sizeof header + body.size());
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    Bytes b = raw(header);
    append(b, body);
    return b;
}

} // namespace ecmh::test::nl
