// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/interface_table.hpp"

#include <algorithm>
#include <net/if.h>
#include <utility>

namespace ecmh::io {
namespace {

// Adds `address` to `list`, or updates the entry for the same address: the kernel
// resends RTM_NEWADDR when flags change (DAD done, deprecated), and a dump may repeat
// what a notification already said.
template <class Entry>
void add_or_update(std::vector<Entry>& list, const Entry& address) {
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const Entry& e) { return e.address == address.address; });
    if (it == list.end()) {
        list.push_back(address);
    } else {
        *it = address;
    }
}

template <class Entry, class Address>
void remove_address(std::vector<Entry>& list, const Address& address) {
    std::erase_if(list, [&](const Entry& e) { return e.address == address; });
}

bool is_global(const InterfaceIpv6Address& a) {
    const auto& ip = a.address;
    return !a.dad_failed && !ip.is_unspecified() && !ip.is_loopback() && !ip.is_multicast() &&
           !ip.is_link_local_unicast() && !ip.is_v4_mapped();
}

} // namespace

bool InterfaceInfo::is_up() const {
    const std::uint32_t wanted = IFF_UP | IFF_RUNNING;
    return (flags & wanted) == wanted;
}

bool InterfaceInfo::is_loopback() const {
    return (flags & IFF_LOOPBACK) != 0;
}

std::optional<net::Ipv6Address> InterfaceInfo::link_local() const {
    for (const auto& a : ipv6) {
        if (!a.dad_failed && a.address.is_link_local_fe80_64()) {
            return a.address;
        }
    }
    return std::nullopt;
}

std::optional<net::Ipv6Address> InterfaceInfo::global() const {
    const auto it = std::find_if(ipv6.begin(), ipv6.end(), is_global);
    if (it == ipv6.end()) {
        return std::nullopt;
    }
    return it->address;
}

std::optional<InterfaceIpv4Address> InterfaceInfo::primary_ipv4() const {
    if (ipv4.empty()) {
        return std::nullopt;
    }
    const auto it = std::find_if(ipv4.begin(), ipv4.end(),
                                 [](const InterfaceIpv4Address& a) { return !a.secondary; });
    return it == ipv4.end() ? ipv4.front() : *it;
}

bool InterfaceInfo::is_6in4_with_fixed_remote() const {
    return tunnel && tunnel->kind == "sit" && !tunnel->remote.is_unspecified();
}

void InterfaceTable::upsert_link(InterfaceInfo link) {
    auto given6 = std::exchange(link.ipv6, {});
    auto given4 = std::exchange(link.ipv4, {});
    if (const auto existing = links_.find(link.index); existing != links_.end()) {
        link.ipv6 = std::move(existing->second.ipv6);
        link.ipv4 = std::move(existing->second.ipv4);
    } else if (const auto pending = pending_.find(link.index); pending != pending_.end()) {
        link.ipv6 = std::move(pending->second.ipv6);
        link.ipv4 = std::move(pending->second.ipv4);
        pending_.erase(pending);
    }
    for (const auto& a : given6) {
        add_or_update(link.ipv6, a);
    }
    for (const auto& a : given4) {
        add_or_update(link.ipv4, a);
    }
    const auto index = link.index;
    links_.insert_or_assign(index, std::move(link));
}

void InterfaceTable::remove_link(net::IfIndex index) {
    links_.erase(index);
    pending_.erase(index);
}

InterfaceInfo& InterfaceTable::address_holder(net::IfIndex index) {
    if (const auto it = links_.find(index); it != links_.end()) {
        return it->second;
    }
    return pending_[index];
}

InterfaceInfo* InterfaceTable::find_address_holder(net::IfIndex index) {
    if (const auto it = links_.find(index); it != links_.end()) {
        return &it->second;
    }
    if (const auto it = pending_.find(index); it != pending_.end()) {
        return &it->second;
    }
    return nullptr;
}

void InterfaceTable::add_ipv6(net::IfIndex index, const InterfaceIpv6Address& address) {
    add_or_update(address_holder(index).ipv6, address);
}

void InterfaceTable::remove_ipv6(net::IfIndex index, const net::Ipv6Address& address) {
    if (auto* holder = find_address_holder(index)) {
        remove_address(holder->ipv6, address);
    }
}

void InterfaceTable::add_ipv4(net::IfIndex index, const InterfaceIpv4Address& address) {
    add_or_update(address_holder(index).ipv4, address);
}

void InterfaceTable::remove_ipv4(net::IfIndex index, const net::Ipv4Address& address) {
    if (auto* holder = find_address_holder(index)) {
        remove_address(holder->ipv4, address);
    }
}

void InterfaceTable::clear() {
    links_.clear();
    pending_.clear();
}

const InterfaceInfo* InterfaceTable::find(net::IfIndex index) const {
    const auto it = links_.find(index);
    return it == links_.end() ? nullptr : &it->second;
}

const InterfaceInfo* InterfaceTable::find(const std::string& name) const {
    const auto it = std::find_if(links_.begin(), links_.end(),
                                 [&](const auto& entry) { return entry.second.name == name; });
    return it == links_.end() ? nullptr : &it->second;
}

} // namespace ecmh::io
