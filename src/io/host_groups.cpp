// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/host_groups.hpp"

#include "ecmh/io/text_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>

namespace ecmh::io {
namespace {

constexpr std::string_view kSpaces = " \t";

// The next whitespace-separated word of `rest`, taken off it; empty at the end.
std::string_view next_word(std::string_view& rest) {
    const auto start = rest.find_first_not_of(kSpaces);
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(kSpaces), rest.size());
    const auto word = rest.substr(0, end);
    rest.remove_prefix(end);
    return word;
}

// The whole word as an unsigned number in `base`, or nothing.
template <class T>
std::optional<T> number(std::string_view word, int base) {
    T value{};
    const auto* last = word.data() + word.size();
    const auto [end, error] = std::from_chars(word.data(), last, value, base);
    if (word.empty() || error != std::errc{} || end != last) {
        return std::nullopt;
    }
    return value;
}

// An interface index as the kernel prints it: 1 and up.
std::optional<net::IfIndex> if_index(std::string_view word) {
    const auto value = number<std::uint32_t>(word, 10);
    if (!value || *value == 0) {
        return std::nullopt;
    }
    return net::IfIndex{*value};
}

// 32 hex digits, the 16 bytes in order (the kernel's %pi6).
std::optional<net::Ipv6Address> hex_ipv6(std::string_view word) {
    if (word.size() != 2 * net::Ipv6Address::kSize) {
        return std::nullopt;
    }
    net::Ipv6Address::Bytes bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto byte = number<std::uint8_t>(word.substr(2 * i, 2), 16);
        if (!byte) {
            return std::nullopt;
        }
        bytes[i] = *byte;
    }
    return net::Ipv6Address{bytes};
}

std::uint32_t swapped(std::uint32_t v) {
    return (v >> 24U) | ((v >> 8U) & 0xff00U) | ((v << 8U) & 0xff0000U) | (v << 24U);
}

// Calls f(line) for each line of `text`.
template <class F>
void for_each_line(std::string_view text, F&& f) {
    while (!text.empty()) {
        const auto end = std::min(text.find('\n'), text.size());
        f(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
}

} // namespace

std::vector<std::pair<net::IfIndex, net::Ipv6Address>> parse_proc_igmp6(std::string_view text) {
    std::vector<std::pair<net::IfIndex, net::Ipv6Address>> groups;
    for_each_line(text, [&](std::string_view rest) {
        const auto index = if_index(next_word(rest));
        (void)next_word(rest); // the interface's name
        const auto group = hex_ipv6(next_word(rest));
        if (index && group) {
            groups.emplace_back(*index, *group);
        }
    });
    return groups;
}

std::vector<std::pair<net::IfIndex, net::Ipv4Address>> parse_proc_igmp(std::string_view text,
                                                                       std::endian writer) {
    std::vector<std::pair<net::IfIndex, net::Ipv4Address>> groups;
    std::optional<net::IfIndex> interface; // the one the group lines below belong to
    for_each_line(text, [&](std::string_view line) {
        std::string_view rest = line;
        const auto first = next_word(rest);
        if (!line.starts_with('\t')) {
            // An interface's line (or the header, which names none).
            interface = if_index(first);
            return;
        }
        const auto printed = first.size() == 8 ? number<std::uint32_t>(first, 16) : std::nullopt;
        if (!interface || !printed) {
            return;
        }
        const std::uint32_t group = writer == std::endian::little ? swapped(*printed) : *printed;
        groups.emplace_back(*interface, net::Ipv4Address{group});
    });
    return groups;
}

SysResult<HostGroups> read_host_groups() {
    HostGroups groups;
    if (auto text = read_text_file("/proc/net/igmp6"); text) {
        groups.ipv6 = parse_proc_igmp6(*text);
    } else if (text.error().code != ENOENT) {
        return net::unexpected(text.error());
    }
    if (auto text = read_text_file("/proc/net/igmp"); text) {
        groups.ipv4 = parse_proc_igmp(*text);
    } else if (text.error().code != ENOENT) {
        return net::unexpected(text.error());
    }
    return groups;
}

} // namespace ecmh::io
