// SPDX-License-Identifier: BSD-3-Clause
// Test helpers: rtnetlink messages built byte by byte, laid out as the kernel lays them
// out: nlmsghdr, the fixed header (ifinfomsg, ifaddrmsg) padded to 4 bytes, then the
// attributes, each an rtattr header and its value padded to 4 bytes; a nested block is
// the value of its attribute. Integers are in host order, as rtnetlink sends them.
//
// Nothing here validates and nothing here calls the code under test, so a test may set
// any length to a lie afterwards.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace ecmh::test::nl {

using Bytes = std::vector<std::uint8_t>;

// The bytes of `value` as they lie in memory (a header struct, a host-order integer).
template <class T>
Bytes raw(const T& value) {
    Bytes b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
}

[[nodiscard]] Bytes u8(std::uint8_t v);
[[nodiscard]] Bytes u16(std::uint16_t v);
[[nodiscard]] Bytes u32(std::uint32_t v);
// A string attribute's value: the characters and a NUL (nla_put_string).
[[nodiscard]] Bytes text(const std::string& s);
[[nodiscard]] Bytes concat(std::initializer_list<Bytes> parts);

// `type` with NLA_F_NESTED set, as a nested block may be marked.
[[nodiscard]] std::uint16_t nested(int type);

struct Attr {
    std::uint16_t type;
    Bytes value;
};

// One attribute: rtattr (rta_len counts the header and the value, not the padding),
// the value, zeros up to a multiple of 4.
[[nodiscard]] Bytes encode(const Attr& a);

// One netlink message: header (nlmsg_len covering everything after it), `fixed`
// padded to 4 bytes, the attributes in order.
[[nodiscard]] Bytes message(std::uint16_t type, const Bytes& fixed,
                            const std::vector<Attr>& attrs = {}, std::uint16_t flags = 0);

} // namespace ecmh::test::nl
