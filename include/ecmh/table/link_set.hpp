// SPDX-License-Identifier: BSD-3-Clause
// Links as dense slots. The kernel's interface index (IfIndex) can be any 32-bit
// number; the data plane works with a LinkId, a small slot number the engine assigns,
// so a set of links is a fixed bitset and a forwarding decision is a few word operations.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>

namespace ecmh::table {

// At most this many interface links at once (downstream links plus the upstream):
// slots 0 … kMaxLinks−1, members of a LinkSet.
inline constexpr std::size_t kMaxLinks = 256;
// Tunnel peers (tunnel mode, -t) are links too, with slots of their own above the
// interface links: kMaxLinks … kMaxLinks+kMaxTunnelPeers−1. A tunnel PoP has thousands
// of them, so they are never LinkSet members (a set of every peer would cost every
// group kilobytes and every packet a walk over them): the forwarding table keeps the
// peers that listen to a group in sorted lists of their own (forwarding_table.hpp).
inline constexpr std::size_t kMaxTunnelPeers = 16'384;

class LinkId {
public:
    constexpr LinkId() = default;
    explicit constexpr LinkId(std::uint16_t slot) : slot_(slot) {}
    [[nodiscard]] constexpr std::uint16_t slot() const { return slot_; }
    friend constexpr bool operator==(LinkId, LinkId) = default;
    friend constexpr auto operator<=>(LinkId, LinkId) = default;

private:
    std::uint16_t slot_ = 0;
};

// Whether `link` is a tunnel peer's slot (not an interface link's).
[[nodiscard]] constexpr bool is_tunnel_peer(LinkId link) {
    return link.slot() >= kMaxLinks;
}

// A set of interface links (slots below kMaxLinks; tunnel peers are never members).
class LinkSet {
public:
    constexpr LinkSet() = default;

    constexpr void insert(LinkId l) { word(l) |= bit(l); }
    constexpr void erase(LinkId l) { word(l) &= ~bit(l); }
    [[nodiscard]] constexpr bool contains(LinkId l) const {
        return (words_[l.slot() / 64] & bit(l)) != 0;
    }
    [[nodiscard]] constexpr bool empty() const {
        for (const auto w : words_) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }
    [[nodiscard]] constexpr std::size_t size() const {
        std::size_t n = 0;
        for (const auto w : words_) {
            n += static_cast<std::size_t>(std::popcount(w));
        }
        return n;
    }

    constexpr LinkSet& operator|=(const LinkSet& o) {
        for (std::size_t i = 0; i < kWords; ++i) {
            words_[i] |= o.words_[i];
        }
        return *this;
    }
    constexpr LinkSet& operator&=(const LinkSet& o) {
        for (std::size_t i = 0; i < kWords; ++i) {
            words_[i] &= o.words_[i];
        }
        return *this;
    }
    // this − o
    constexpr LinkSet& subtract(const LinkSet& o) {
        for (std::size_t i = 0; i < kWords; ++i) {
            words_[i] &= ~o.words_[i];
        }
        return *this;
    }
    friend constexpr bool operator==(const LinkSet&, const LinkSet&) = default;

    // Calls f(LinkId) for each member, in slot order.
    template <class F>
    constexpr void for_each(F&& f) const {
        for (std::size_t i = 0; i < kWords; ++i) {
            for (auto w = words_[i]; w != 0; w &= w - 1) {
                f(LinkId{static_cast<std::uint16_t>(
                    i * 64 + static_cast<std::size_t>(std::countr_zero(w)))});
            }
        }
    }

private:
    static constexpr std::size_t kWords = kMaxLinks / 64;
    static constexpr std::uint64_t bit(LinkId l) { return std::uint64_t{1} << (l.slot() % 64); }
    constexpr std::uint64_t& word(LinkId l) { return words_[l.slot() / 64]; }

    std::array<std::uint64_t, kWords> words_{};
};

} // namespace ecmh::table
