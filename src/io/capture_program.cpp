// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/capture_program.hpp"

#ifdef __linux__
#include <cstddef>
#include <linux/if_ether.h>
#include <optional>

namespace ecmh::io {
namespace {

constexpr std::uint32_t kAccept = 0xFFFF'FFFF; // the whole frame (the ring slot truncates)
constexpr std::uint32_t kReject = 0;

// A few-line assembler: jumps name their (forward) targets, resolved at the end.
class Program {
public:
    enum Label : std::uint8_t { Accept, Reject, Ipv4, Ipv6, kLabels };
    using Target = std::optional<Label>; // nullopt: the next instruction

    void load_ancillary(std::uint32_t field) {
        code_.push_back(
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF) + field));
    }
    void load_network_byte(std::uint32_t offset) {
        code_.push_back(
            BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<std::uint32_t>(SKF_NET_OFF) + offset));
    }
    void and_mask(std::uint32_t mask) {
        code_.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
    }
    // if (A == value) goto yes else goto no.
    void jump_if(std::uint32_t value, Target yes, Target no = std::nullopt) {
        fixups_.push_back(Fixup{code_.size(), yes, no});
        code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 0));
    }
    void jump(Label to) {
        fixups_.push_back(Fixup{code_.size(), to, std::nullopt, true});
        code_.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
    }
    void place(Label label) { where_[label] = code_.size(); }

    std::vector<sock_filter> finish() {
        place(Accept);
        code_.push_back(BPF_STMT(BPF_RET | BPF_K, kAccept));
        place(Reject);
        code_.push_back(BPF_STMT(BPF_RET | BPF_K, kReject));
        for (const auto& f : fixups_) {
            auto offset = [&](Target t) {
                return t ? static_cast<std::uint32_t>(where_[*t] - f.at - 1) : 0U;
            };
            if (f.always) {
                code_[f.at].k = offset(f.yes);
            } else {
                code_[f.at].jt = static_cast<std::uint8_t>(offset(f.yes));
                code_[f.at].jf = static_cast<std::uint8_t>(offset(f.no));
            }
        }
        return code_;
    }

private:
    struct Fixup {
        std::size_t at;
        Target yes;
        Target no;
        bool always = false;
    };
    std::vector<sock_filter> code_;
    std::vector<Fixup> fixups_;
    std::size_t where_[kLabels] = {};
};

constexpr std::uint32_t kIpv6NextHeader = 6;
constexpr std::uint32_t kIpv6Destination = 24;
constexpr std::uint32_t kIpv4Protocol = 9;
constexpr std::uint32_t kIpv4Destination = 16;
constexpr std::uint32_t kHopByHop = 0;
constexpr std::uint32_t kIgmp = 2;
constexpr std::uint32_t kIpv6InIpv4 = 41;

} // namespace

std::vector<sock_filter> capture_program(const CaptureOptions& o, TrafficClass traffic) {
    using L = Program::Label;
    const bool control = traffic == TrafficClass::Control;
    const bool v6 = o.ipv6;
    const bool v4 = o.ipv4 || (o.tunnel_mode && !control);
    Program p;
    p.load_ancillary(SKF_AD_VLAN_TAG_PRESENT);
    p.jump_if(0, std::nullopt, L::Reject);
    p.load_ancillary(SKF_AD_PROTOCOL);
    p.jump_if(ETH_P_IPV6, v6 ? Program::Target{L::Ipv6} : L::Reject);
    p.jump_if(ETH_P_IP, v4 ? Program::Target{L::Ipv4} : L::Reject, L::Reject);

    p.place(L::Ipv6);
    p.load_network_byte(kIpv6NextHeader);
    if (control) {
        p.jump_if(kHopByHop, L::Accept, L::Reject);
    } else {
        p.jump_if(kHopByHop, L::Reject);
        p.load_network_byte(kIpv6Destination);
        p.jump_if(0xFF, L::Accept, L::Reject);
    }

    p.place(L::Ipv4);
    p.load_network_byte(kIpv4Protocol);
    if (control) {
        p.jump_if(kIgmp, L::Accept, L::Reject);
    } else {
        if (o.tunnel_mode) {
            p.jump_if(kIpv6InIpv4, L::Accept);
        }
        if (!o.ipv4) {
            p.jump(L::Reject);
        }
        p.jump_if(kIgmp, L::Reject);
        p.load_network_byte(kIpv4Destination);
        p.and_mask(0xF0);
        p.jump_if(0xE0, L::Accept, L::Reject);
    }
    return p.finish();
}

} // namespace ecmh::io
#endif
