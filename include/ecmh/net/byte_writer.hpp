// SPDX-License-Identifier: BSD-3-Clause
// A bounds-checked, big-endian cursor for building packets into a caller's buffer.
//
// Like ByteReader, a write that does not fit fails the writer (sticky) and writes
// nothing, so a builder writes a whole message and checks ok() once. Builders never
// allocate: the caller owns the buffer, which on the hot path is reused per packet.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::net {

class ByteWriter {
public:
    explicit constexpr ByteWriter(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

    [[nodiscard]] constexpr bool ok() const { return ok_; }
    [[nodiscard]] constexpr std::size_t size() const { return offset_; }
    [[nodiscard]] constexpr std::size_t remaining() const { return buffer_.size() - offset_; }
    // The bytes written so far.
    [[nodiscard]] constexpr std::span<std::uint8_t> written() const {
        return buffer_.first(offset_);
    }

    constexpr void u8(std::uint8_t v) {
        if (auto* p = take(1)) {
            p[0] = v;
        }
    }
    constexpr void u16(std::uint16_t v) {
        if (auto* p = take(2)) {
            p[0] = static_cast<std::uint8_t>(v >> 8);
            p[1] = static_cast<std::uint8_t>(v);
        }
    }
    constexpr void u32(std::uint32_t v) {
        if (auto* p = take(4)) {
            p[0] = static_cast<std::uint8_t>(v >> 24);
            p[1] = static_cast<std::uint8_t>(v >> 16);
            p[2] = static_cast<std::uint8_t>(v >> 8);
            p[3] = static_cast<std::uint8_t>(v);
        }
    }
    constexpr void bytes(std::span<const std::uint8_t> src) {
        if (auto* p = take(src.size())) {
            std::copy(src.begin(), src.end(), p);
        }
    }
    constexpr void zeros(std::size_t n) {
        if (auto* p = take(n)) {
            std::fill_n(p, n, std::uint8_t{0});
        }
    }

    // Marks the packet as unbuildable (a caller's argument made it impossible).
    constexpr void fail() { ok_ = false; }

    // Overwrite a 16-bit field already written (lengths and checksums known only at
    // the end). Fails the writer if the field is not inside what was written.
    constexpr void patch_u16(std::size_t at, std::uint16_t v) {
        if (!ok_ || at > offset_ || offset_ - at < 2) {
            ok_ = false;
            return;
        }
        buffer_[at] = static_cast<std::uint8_t>(v >> 8);
        buffer_[at + 1] = static_cast<std::uint8_t>(v);
    }

private:
    constexpr std::uint8_t* take(std::size_t n) {
        if (!ok_ || n > buffer_.size() - offset_) {
            ok_ = false;
            return nullptr;
        }
        auto* p = buffer_.data() + offset_;
        offset_ += n;
        return p;
    }

    std::span<std::uint8_t> buffer_;
    std::size_t offset_ = 0;
    bool ok_ = true;
};

} // namespace ecmh::net
