// SPDX-License-Identifier: BSD-3-Clause
// Pieces shared by MLDv2 and IGMPv3: record types and a non-allocating view over a
// packed list of source addresses.
#pragma once

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

namespace ecmh::wire {

// Multicast Address Record / Group Record types (RFC 3810 §5.2.12, RFC 3376 §4.2.12).
enum class RecordType : std::uint8_t {
    ModeIsInclude = 1,       // IS_IN
    ModeIsExclude = 2,       // IS_EX
    ChangeToIncludeMode = 3, // TO_IN
    ChangeToExcludeMode = 4, // TO_EX
    AllowNewSources = 5,     // ALLOW
    BlockOldSources = 6,     // BLOCK
};

[[nodiscard]] constexpr bool is_known_record_type(std::uint8_t raw) {
    return raw >= 1 && raw <= 6;
}
// "IS_IN", "TO_EX", …; "UNKNOWN" for anything else.
[[nodiscard]] std::string_view to_string(RecordType type);

template <class Address>
struct AddressWire;

template <>
struct AddressWire<net::Ipv6Address> {
    static constexpr std::size_t kSize = 16;
    static net::Ipv6Address load(const std::uint8_t* p) {
        net::Ipv6Address::Bytes b{};
        for (std::size_t i = 0; i < kSize; ++i) {
            b[i] = p[i];
        }
        return net::Ipv6Address{b};
    }
};

template <>
struct AddressWire<net::Ipv4Address> {
    static constexpr std::size_t kSize = 4;
    static net::Ipv4Address load(const std::uint8_t* p) {
        return net::Ipv4Address::from_bytes({p[0], p[1], p[2], p[3]});
    }
};

// A view over N packed addresses. The parser that creates it has already checked that
// the bytes are exactly count × size long; the view never owns memory.
template <class Address>
class SourceListView {
public:
    static constexpr std::size_t kAddressSize = AddressWire<Address>::kSize;

    constexpr SourceListView() = default;
    // bytes.size() must be a multiple of the address size (the extra is ignored).
    explicit constexpr SourceListView(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    [[nodiscard]] constexpr std::size_t size() const { return bytes_.size() / kAddressSize; }
    [[nodiscard]] constexpr bool empty() const { return size() == 0; }
    [[nodiscard]] Address operator[](std::size_t i) const {
        return AddressWire<Address>::load(bytes_.data() + i * kAddressSize);
    }
    [[nodiscard]] constexpr std::span<const std::uint8_t> raw() const { return bytes_; }

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Address;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Address;

        iterator() = default;
        iterator(const SourceListView* view, std::size_t index) : view_(view), index_(index) {}
        Address operator*() const { return (*view_)[index_]; }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        iterator operator++(int) {
            auto copy = *this;
            ++index_;
            return copy;
        }
        friend bool operator==(const iterator& a, const iterator& b) {
            return a.index_ == b.index_;
        }

    private:
        const SourceListView* view_ = nullptr;
        std::size_t index_ = 0;
    };

    [[nodiscard]] iterator begin() const { return iterator{this, 0}; }
    [[nodiscard]] iterator end() const { return iterator{this, size()}; }

private:
    std::span<const std::uint8_t> bytes_;
};

// One Multicast Address Record (MLDv2, RFC 3810 §5.2.4) or Group Record (IGMPv3, RFC
// 3376 §4.2.4): Type, Aux Data Len, Number of Sources, the group, the sources, then
// Aux Data Len 32-bit words that are skipped. The type is kept raw: unknown types are
// yielded so the caller can skip them and go on with the rest (§5.2.12 / §4.2.12).
template <class Address>
struct WireRecord {
    std::uint8_t type = 0;
    std::uint8_t aux_words = 0; // Aux Data Len, in 32-bit words
    Address group;
    SourceListView<Address> sources;

    [[nodiscard]] bool known_type() const { return is_known_record_type(type); }
    [[nodiscard]] RecordType record_type() const { return static_cast<RecordType>(type); }
};

// The records of a report whose every record the parser checked to fit. Iteration
// re-reads through a ByteReader anyway, so a view built by hand over lying bytes stops
// at the first record that does not fit instead of walking off its buffer.
template <class Address>
class ReportRecords {
public:
    static constexpr std::size_t kAddressSize = AddressWire<Address>::kSize;

    ReportRecords() = default;
    ReportRecords(std::span<const std::uint8_t> records, std::uint16_t count)
        : records_(records), count_(count) {}

    [[nodiscard]] std::uint16_t record_count() const { return count_; }

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = WireRecord<Address>;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = WireRecord<Address>;

        iterator() = default;
        iterator(std::span<const std::uint8_t> rest, std::uint16_t left)
            : rest_(rest), left_(left) {}

        WireRecord<Address> operator*() const {
            net::ByteReader r{rest_};
            WireRecord<Address> record;
            record.type = r.u8();
            record.aux_words = r.u8();
            const std::size_t sources = r.u16();
            const auto group = r.bytes(kAddressSize);
            if (r.ok()) {
                record.group = AddressWire<Address>::load(group.data());
            }
            record.sources = SourceListView<Address>{r.bytes(sources * kAddressSize)};
            return record;
        }
        iterator& operator++() {
            net::ByteReader r{rest_};
            r.skip(1);
            const std::size_t aux_words = r.u8();
            const std::size_t sources = r.u16();
            r.skip(kAddressSize + sources * kAddressSize + aux_words * 4);
            rest_ = r.rest();
            left_ = r.ok() && left_ > 0 ? static_cast<std::uint16_t>(left_ - 1) : 0;
            return *this;
        }
        friend bool operator==(const iterator& a, const iterator& b) { return a.left_ == b.left_; }

    private:
        std::span<const std::uint8_t> rest_;
        std::uint16_t left_ = 0;
    };

    [[nodiscard]] iterator begin() const { return iterator{records_, count_}; }
    [[nodiscard]] iterator end() const { return iterator{{}, 0}; }

private:
    std::span<const std::uint8_t> records_;
    std::uint16_t count_ = 0;
};

} // namespace ecmh::wire
