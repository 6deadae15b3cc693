// SPDX-License-Identifier: BSD-3-Clause
// Sets of source addresses for the RFC 3810 §7.4 / RFC 3376 §6.4 algebra (A+B, A*B,
// A-B), kept as sorted, duplicate-free vectors: cache-friendly for the small sets real
// reports carry, and ordered so a dump or a report lists sources deterministically.
// Control-plane only: the forwarding path never builds one.
#pragma once

#include <algorithm>
#include <iterator>
#include <vector>

namespace ecmh::proto {

template <class Address>
class SourceSet {
public:
    SourceSet() = default;
    // Any range of addresses; duplicates collapse ("a set", rfc-map M8).
    template <class Range>
    static SourceSet from(const Range& range) {
        SourceSet s;
        for (const auto& a : range) {
            s.items_.push_back(a);
        }
        std::sort(s.items_.begin(), s.items_.end());
        s.items_.erase(std::unique(s.items_.begin(), s.items_.end()), s.items_.end());
        return s;
    }
    SourceSet(std::initializer_list<Address> list) : SourceSet(from(list)) {}

    [[nodiscard]] bool empty() const { return items_.empty(); }
    [[nodiscard]] std::size_t size() const { return items_.size(); }
    [[nodiscard]] bool contains(const Address& a) const {
        return std::binary_search(items_.begin(), items_.end(), a);
    }
    [[nodiscard]] auto begin() const { return items_.begin(); }
    [[nodiscard]] auto end() const { return items_.end(); }
    [[nodiscard]] const std::vector<Address>& items() const { return items_; }

    void insert(const Address& a) {
        const auto it = std::lower_bound(items_.begin(), items_.end(), a);
        if (it == items_.end() || *it != a) {
            items_.insert(it, a);
        }
    }
    void erase(const Address& a) {
        const auto it = std::lower_bound(items_.begin(), items_.end(), a);
        if (it != items_.end() && *it == a) {
            items_.erase(it);
        }
    }

    friend SourceSet operator+(const SourceSet& a, const SourceSet& b) { // union
        SourceSet r;
        std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r.items_));
        return r;
    }
    friend SourceSet operator*(const SourceSet& a, const SourceSet& b) { // intersection
        SourceSet r;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r.items_));
        return r;
    }
    friend SourceSet operator-(const SourceSet& a, const SourceSet& b) { // difference
        SourceSet r;
        std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r.items_));
        return r;
    }
    friend bool operator==(const SourceSet&, const SourceSet&) = default;

private:
    std::vector<Address> items_;
};

} // namespace ecmh::proto
