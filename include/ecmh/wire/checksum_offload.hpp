// SPDX-License-Identifier: BSD-3-Clause
// Finishing a transport checksum that was left to offload. A local sender (or a veth
// peer) hands the stack UDP/TCP with CHECKSUM_PARTIAL: the checksum field holds only
// the folded pseudo-header sum and the NIC was to finish it. Captured that way and
// forwarded by ecmh, the receiver would drop the packet for a bad checksum. The
// capture API does not say which packets are partial, so the field is compared with
// the pseudo-header sum: on a match the full checksum is computed. That is safe even
// for a complete checksum that happens to match, because the computation yields the
// correct value either way.
#pragma once

#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ecmh::wire {

struct ChecksumCompletion {
    std::size_t offset = 0; // of the 16-bit checksum field, from the start of the IP packet
    std::uint16_t value = 0;
};

// UDP and TCP, unfragmented; nullopt when the checksum needs nothing.
[[nodiscard]] std::optional<ChecksumCompletion> offloaded_checksum(const Ipv6Packet& packet);
[[nodiscard]] std::optional<ChecksumCompletion> offloaded_checksum(const Ipv4Packet& packet);

} // namespace ecmh::wire
