// SPDX-License-Identifier: BSD-3-Clause
// A small value-or-error type (std::expected arrives only with C++23). Parsers and
// syscall wrappers return it instead of throwing: where packets flow, a bad input is
// an ordinary outcome, not an exception.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace ecmh::net {

template <class E>
struct Unexpected {
    E error;
};

template <class E>
constexpr Unexpected<E> unexpected(E error) {
    return Unexpected<E>{error};
}

template <class T, class E>
class [[nodiscard]] Expected {
public:
    constexpr Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {} // NOLINT
    constexpr Expected(Unexpected<E> failure) // NOLINT(google-explicit-constructor)
        : state_(std::in_place_index<1>, std::move(failure.error)) {}

    [[nodiscard]] constexpr bool has_value() const { return state_.index() == 0; }
    constexpr explicit operator bool() const { return has_value(); }

    constexpr T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    [[nodiscard]] constexpr const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    constexpr T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    [[nodiscard]] constexpr const E& error() const {
        assert(!has_value());
        return std::get<1>(state_);
    }

private:
    std::variant<T, E> state_;
};

} // namespace ecmh::net
