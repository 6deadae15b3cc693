// SPDX-License-Identifier: BSD-3-Clause
// IPv4 fragmentation of a forwarded copy (RFC 791 §3.2; a router MUST fragment, RFC 1812
// §5.2.6). A copy without Don't Fragment that is larger than its out-link's MTU is sent
// as fragments rather than dropped: the receivers reassemble it, as they would behind a
// kernel multicast router. As RFC 1812 §4.2.2.7 asks, the fragments are as few as the
// MTU allows (each one MTU-sized but the last) and written in order. The first fragment
// carries every option; the later ones only the options whose copied flag is set (RFC 791
// §3.1), padded with End of Option List to a whole number of words.
//
// The plan is made once per packet and link MTU; each fragment is then written straight
// into its transmit slot: nothing is allocated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ecmh::wire {

class Ipv4Fragmenter {
public:
    // For a whole IPv4 packet (header checksum valid or not: each fragment gets its own)
    // larger than `mtu`. nullopt when it must not or cannot be fragmented: Don't Fragment
    // set, an MTU that does not hold a header and 8 octets of data, a malformed header,
    // or an offset that would run past the 13-bit field.
    [[nodiscard]] static std::optional<Ipv4Fragmenter> plan(std::span<const std::uint8_t> packet,
                                                            std::size_t mtu);

    [[nodiscard]] std::size_t count() const { return count_; }
    // The size of fragment `index` (< count()), header included.
    [[nodiscard]] std::size_t size(std::size_t index) const;
    // Writes fragment `index` into `out`, which must hold size(index) bytes. Returns the
    // bytes written, or 0 (nothing written) when `index` or `out` is out of range.
    [[nodiscard]] std::size_t write(std::size_t index, std::span<std::uint8_t> out) const;

private:
    static constexpr std::size_t kMaxOptions = 40; // IHL 15: 60 − 20 octets

    [[nodiscard]] std::size_t data_start(std::size_t index) const;
    [[nodiscard]] std::size_t data_size(std::size_t index) const;
    [[nodiscard]] std::size_t header_size(std::size_t index) const;

    std::span<const std::uint8_t> packet_;
    std::size_t header_ = 0;       // the first fragment's (the packet's own) header length
    std::size_t later_header_ = 0; // the fixed header and the copied options, padded
    std::size_t first_data_ = 0;   // payload octets in the first fragment (a multiple of 8)
    std::size_t later_data_ = 0;   // in each later one but the last
    std::size_t payload_ = 0;
    std::size_t count_ = 0;
    std::uint16_t offset_ = 0; // the packet's own fragment offset (it may be a fragment)
    bool more_ = false;        // the packet's own More Fragments flag
    std::array<std::uint8_t, kMaxOptions> later_options_{};
};

} // namespace ecmh::wire
