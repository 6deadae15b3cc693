// SPDX-License-Identifier: BSD-3-Clause
// IPv6 fragmentation of a translated IPv4 → IPv6 copy (RFC 7915 §4.1, design X9): an
// IPv4 packet sent without Don't Fragment may be fragmented on its way, so its IPv6
// copy, larger than the out-link's MTU, is cut into Fragment-header fragments (RFC 8200
// §4.5) rather than dropped. As for IPv4 (ipv4_fragment.hpp) the fragments are as few
// as the MTU allows, each one MTU-sized but the last, 8-octet aligned, in order. The
// Identification is the IPv4 ID (X8). A copy that is already a fragment (it carries a
// Fragment header) is cut again: its Identification and offset are kept, and its M flag
// stays on the last piece only if it was set.
//
// The plan is made once per copy and link MTU; each fragment is then written straight
// into its transmit slot: nothing is allocated.
#pragma once

#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/translate.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ecmh::wire {

class Ipv6FragmentWriter {
public:
    // For an IPv6 TranslatedCopy larger than `mtu`. nullopt when it must not or cannot
    // be fragmented: not an IPv6 copy, it fits, Don't Fragment was set on the IPv4
    // packet (X10), an MTU without room for the headers and 8 octets of data, or an
    // offset that would run past the 13-bit field.
    [[nodiscard]] static std::optional<Ipv6FragmentWriter> plan(const TranslatedCopy& copy,
                                                                std::size_t mtu);

    [[nodiscard]] std::size_t count() const { return count_; }
    // The size of fragment `index` (< count()), headers included.
    [[nodiscard]] std::size_t size(std::size_t index) const;
    // Writes fragment `index` into `out`, which must hold size(index) bytes. Returns the
    // bytes written, or 0 (nothing written) when `index` or `out` is out of range.
    [[nodiscard]] std::size_t write(std::size_t index, std::span<std::uint8_t> out) const;

private:
    [[nodiscard]] std::size_t data_start(std::size_t index) const;
    [[nodiscard]] std::size_t data_size(std::size_t index) const;

    // Kept by value, so that the plan does not depend on the copy living on; only the
    // received bytes must (as for ForwardCopy).
    std::array<std::uint8_t, kIpv6HeaderSize> header_{}; // the copy's fixed header
    std::span<const std::uint8_t> data_;                 // the fragmentable part
    std::optional<FieldValue> checksum_;                 // offset into data_, first piece only
    std::size_t piece_data_ = 0; // data octets in each fragment but the last (a multiple of 8)
    std::size_t count_ = 0;
    std::uint32_t identification_ = 0;
    std::uint16_t offset_ = 0;     // the copy's own fragment offset (it may be a fragment)
    bool more_ = false;            // the copy's own M flag
    std::uint8_t next_header_ = 0; // of the fragmentable part
};

} // namespace ecmh::wire
