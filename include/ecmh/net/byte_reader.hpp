// SPDX-License-Identifier: BSD-3-Clause
// A bounds-checked, big-endian cursor over received bytes.
//
// Every read checks the remaining length first. A read past the end does not throw or
// touch memory: it returns zero (or an empty span), and the reader stays failed from
// then on, so a parser can read a whole fixed header and check ok() once. Never cast a
// buffer to a struct: all packet bytes come from the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::net {

class ByteReader {
public:
    explicit constexpr ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

    [[nodiscard]] constexpr bool ok() const { return ok_; }
    [[nodiscard]] constexpr std::size_t offset() const { return offset_; }
    [[nodiscard]] constexpr std::size_t remaining() const {
        return ok_ ? data_.size() - offset_ : 0;
    }
    [[nodiscard]] constexpr bool has(std::size_t n) const { return ok_ && n <= remaining(); }

    constexpr std::uint8_t u8() {
        if (!take(1)) {
            return 0;
        }
        return data_[offset_ - 1];
    }

    constexpr std::uint16_t u16() {
        if (!take(2)) {
            return 0;
        }
        return static_cast<std::uint16_t>((data_[offset_ - 2] << 8) | data_[offset_ - 1]);
    }

    constexpr std::uint32_t u32() {
        if (!take(4)) {
            return 0;
        }
        const auto* p = &data_[offset_ - 4];
        return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
               (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    }

    // The next n bytes as a view, or an empty span (and failure) when fewer remain.
    constexpr std::span<const std::uint8_t> bytes(std::size_t n) {
        if (!take(n)) {
            return {};
        }
        return data_.subspan(offset_ - n, n);
    }

    constexpr void skip(std::size_t n) { (void)take(n); }

    // Everything not yet read.
    [[nodiscard]] constexpr std::span<const std::uint8_t> rest() const {
        return ok_ ? data_.subspan(offset_) : std::span<const std::uint8_t>{};
    }

private:
    constexpr bool take(std::size_t n) {
        // n is compared against what remains, never added to offset first: a huge n
        // from a length field cannot wrap the sum.
        if (!ok_ || n > data_.size() - offset_) {
            ok_ = false;
            return false;
        }
        offset_ += n;
        return true;
    }

    std::span<const std::uint8_t> data_;
    std::size_t offset_ = 0;
    bool ok_ = true;
};

} // namespace ecmh::net
