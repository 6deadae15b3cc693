// SPDX-License-Identifier: BSD-3-Clause
// How the XDP program runs on a link: in the driver's receive path (native), in the
// kernel's generic hook after the skb is built (generic, any driver), or not at all.
#pragma once

#include <cstdint>

namespace ecmh::io {

enum class XdpMode : std::uint8_t { None, Generic, Native };

} // namespace ecmh::io
