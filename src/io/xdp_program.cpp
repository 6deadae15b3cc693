// SPDX-License-Identifier: BSD-3-Clause
// Loading the skeleton, the devmap pool, and the maps' typed access by fd.
#include "ecmh/io/xdp_program.hpp"

#include "ecmh/io/unique_fd.hpp"

#include <algorithm>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <ecmh_xdp.skel.h>
#include <string>
#include <utility>

namespace ecmh::io {

struct XdpProgram::Impl {
    XdpLimits limits;
    ecmh_xdp* skeleton = nullptr;
    std::vector<UniqueFd> sets; // the pool of inner devmaps, by set id
    int cpus = 1;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;
    ~Impl() {
        sets.clear();
        ecmh_xdp__destroy(skeleton);
    }

    [[nodiscard]] static int fd(const bpf_map* map) { return bpf_map__fd(map); }
    [[nodiscard]] SysResult<Done> create_pool();
};

namespace {

// libbpf returns −errno (and sets errno) on failure.
SysError failed(std::string what, int rc) {
    return SysError{std::move(what), rc < 0 ? -rc : errno, {}};
}

SysResult<Done> checked(int rc, const char* what) {
    if (rc < 0) {
        return net::unexpected(failed(what, rc));
    }
    return Done{};
}

// The sizes the BPF source gives are defaults; the flow table's comes from the limits.
SysResult<Done> size_maps(ecmh_xdp& s, const XdpLimits& limits) {
    for (auto* map : {s.maps.flows, s.maps.flow_counters}) {
        if (const int rc = bpf_map__set_max_entries(map, limits.flows); rc < 0) {
            return net::unexpected(failed("size the XDP flow table", rc));
        }
    }
    return checked(bpf_map__set_max_entries(s.maps.out_sets, limits.sets),
                   "size the XDP out-set table");
}

} // namespace

// One inner devmap per set id, created now: after `-u` ecmh cannot create maps (P15).
// Each has the shape the program's out_set declares, as map-in-map requires.
SysResult<Done> XdpProgram::Impl::create_pool() {
    const int outer = fd(skeleton->maps.out_sets);
    for (std::uint32_t id = 0; id < limits.sets; ++id) {
        UniqueFd set{bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "ecmh_set", sizeof(std::uint32_t),
                                    sizeof(bpf_devmap_val), ECMH_XDP_MAX_LINKS, nullptr)};
        if (!set) {
            return net::unexpected(failed("create an XDP out-set devmap", set.get()));
        }
        const int fd = set.get();
        if (const int rc = bpf_map_update_elem(outer, &id, &fd, BPF_ANY); rc < 0) {
            return net::unexpected(failed("add an XDP out-set devmap", rc));
        }
        sets.push_back(std::move(set));
    }
    return Done{};
}

bool XdpProgram::built_in() {
    return true;
}

SysResult<XdpProgram> XdpProgram::load(const XdpLimits& limits) {
    auto impl = std::make_unique<Impl>();
    impl->limits = limits;
    impl->skeleton = ecmh_xdp__open();
    if (impl->skeleton == nullptr) {
        return net::unexpected(last_error("open the XDP program"));
    }
    if (auto sized = size_maps(*impl->skeleton, limits); !sized) {
        return net::unexpected(sized.error());
    }
    if (const int rc = ecmh_xdp__load(impl->skeleton); rc < 0) {
        return net::unexpected(
            failed("load the XDP program (needs CAP_BPF and CAP_NET_ADMIN)", rc));
    }
    if (auto pool = impl->create_pool(); !pool) {
        return net::unexpected(pool.error());
    }
    impl->cpus = std::max(libbpf_num_possible_cpus(), 1);
    return XdpProgram{std::move(impl)};
}

XdpProgram::XdpProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XdpProgram::XdpProgram(XdpProgram&& other) noexcept = default;
XdpProgram& XdpProgram::operator=(XdpProgram&& other) noexcept = default;
XdpProgram::~XdpProgram() = default;

const XdpLimits& XdpProgram::limits() const {
    return impl_->limits;
}

int XdpProgram::ingress_fd() const {
    return bpf_program__fd(impl_->skeleton->progs.ecmh_ingress);
}

SysResult<Done> XdpProgram::put_flow(const ecmh_flow_key& key, const ecmh_flow_value& value) {
    return checked(
        bpf_map_update_elem(impl_->fd(impl_->skeleton->maps.flows), &key, &value, BPF_ANY),
        "update the XDP flow table");
}

SysResult<Done> XdpProgram::delete_flow(const ecmh_flow_key& key) {
    return checked(bpf_map_delete_elem(impl_->fd(impl_->skeleton->maps.flows), &key),
                   "delete from the XDP flow table");
}

SysResult<engine::FlowCounters> XdpProgram::read_counters(std::uint32_t slot) const {
    std::vector<ecmh_flow_counters> per_cpu(static_cast<std::size_t>(impl_->cpus));
    const int rc =
        bpf_map_lookup_elem(impl_->fd(impl_->skeleton->maps.flow_counters), &slot, per_cpu.data());
    if (rc < 0) {
        return net::unexpected(failed("read the XDP flow counters", rc));
    }
    engine::FlowCounters sum;
    for (const auto& c : per_cpu) {
        sum.packets += c.packets;
        sum.bytes += c.bytes;
    }
    return sum;
}

SysResult<Done> XdpProgram::zero_counters(std::uint32_t slot) {
    const std::vector<ecmh_flow_counters> zeros(static_cast<std::size_t>(impl_->cpus));
    return checked(bpf_map_update_elem(impl_->fd(impl_->skeleton->maps.flow_counters), &slot,
                                       zeros.data(), BPF_ANY),
                   "zero the XDP flow counters");
}

SysResult<Done> XdpProgram::put_link(net::IfIndex index, const net::MacAddress& mac,
                                     std::uint32_t mtu) {
    ecmh_link_info info{};
    std::copy(mac.bytes().begin(), mac.bytes().end(), std::begin(info.mac));
    info.mtu = mtu;
    const std::uint32_t key = index.value();
    return checked(
        bpf_map_update_elem(impl_->fd(impl_->skeleton->maps.link_info), &key, &info, BPF_ANY),
        "update the XDP link table");
}

SysResult<Done> XdpProgram::delete_link(net::IfIndex index) {
    const std::uint32_t key = index.value();
    return checked(bpf_map_delete_elem(impl_->fd(impl_->skeleton->maps.link_info), &key),
                   "delete from the XDP link table");
}

namespace {

ecmh_mac_key mac_key(const net::MacAddress& mac) {
    ecmh_mac_key key{};
    std::copy(mac.bytes().begin(), mac.bytes().end(), std::begin(key.mac));
    return key;
}

} // namespace

SysResult<Done> XdpProgram::put_own_mac(const net::MacAddress& mac) {
    const auto key = mac_key(mac);
    const std::uint32_t present = 1;
    return checked(
        bpf_map_update_elem(impl_->fd(impl_->skeleton->maps.own_macs), &key, &present, BPF_ANY),
        "update the XDP own-MAC table");
}

SysResult<Done> XdpProgram::delete_own_mac(const net::MacAddress& mac) {
    const auto key = mac_key(mac);
    return checked(bpf_map_delete_elem(impl_->fd(impl_->skeleton->maps.own_macs), &key),
                   "delete from the XDP own-MAC table");
}

SysResult<Done> XdpProgram::set_insert(std::uint32_t set, net::IfIndex index) {
    bpf_devmap_val value{};
    value.ifindex = index.value();
    value.bpf_prog.fd = bpf_program__fd(impl_->skeleton->progs.ecmh_egress);
    const std::uint32_t key = index.value();
    return checked(bpf_map_update_elem(impl_->sets.at(set).get(), &key, &value, BPF_ANY),
                   "add a link to an XDP out-set");
}

SysResult<Done> XdpProgram::set_erase(std::uint32_t set, net::IfIndex index) {
    const std::uint32_t key = index.value();
    return checked(bpf_map_delete_elem(impl_->sets.at(set).get(), &key),
                   "remove a link from an XDP out-set");
}

std::uint64_t XdpProgram::event_count(ecmh_xdp_event event) const {
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(impl_->cpus));
    const auto key = static_cast<std::uint32_t>(event);
    if (bpf_map_lookup_elem(impl_->fd(impl_->skeleton->maps.events), &key, per_cpu.data()) < 0) {
        return 0;
    }
    std::uint64_t sum = 0;
    for (const auto n : per_cpu) {
        sum += n;
    }
    return sum;
}

} // namespace ecmh::io
