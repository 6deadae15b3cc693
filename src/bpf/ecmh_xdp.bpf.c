// SPDX-License-Identifier: BSD-3-Clause
// The XDP fast path (issue 15): the engine's cached forwarding decisions carried out in
// the driver's receive path. Two programs:
//   ecmh_ingress  attached to every offloaded link: a frame of a cached flow gets its hop
//                 limit / TTL decremented and is redirected to the flow's out-set (a
//                 devmap, broadcast without the arrival link).
//   ecmh_egress   run by the devmap for each copy: writes the out-link's source MAC.
// Everything the program does not own goes up unchanged (XDP_PASS), where the engine
// decides as it does for every packet, so the userspace path stays the reference. The
// checks below are the ones the engine makes before and in its forwarding decision
// (engine/proxy.cpp on_frame, wire::parse_ipv6/parse_ipv4, wire::prepare_copy); a frame
// forwarded here must be one the engine would forward the same way, byte for byte.
//
// No CO-RE and no vmlinux.h: the program reads packet bytes and UAPI structs only.
#include "ecmh/io/xdp_abi.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

// The kernel offers its GPL-only helpers (bpf_trace_printk, the probe_read family, …) only
// to programs whose license string is GPL-compatible, and refuses to load a program that
// calls one otherwise. None of the helpers used here is GPL-only on 6.18 (the program
// loads with "BSD" too), but the string keeps that door open for a debugging print or a
// later helper. "Dual BSD/GPL" is GPL-compatible and honest: ecmh is BSD-3-Clause.
char LICENSE[] SEC("license") = "Dual BSD/GPL";

// --- Maps (the sizes given here are defaults; io/xdp_program.cpp sets the real ones).

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, struct ecmh_flow_key);
    __type(value, struct ecmh_flow_value);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, struct ecmh_flow_counters);
} flow_counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, ECMH_XDP_EVENT_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, ECMH_XDP_MAX_LINKS);
    __type(key, __u32);
    __type(value, struct ecmh_link_info);
} link_info SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, ECMH_XDP_MAX_LINKS);
    __type(key, struct ecmh_mac_key);
    __type(value, __u32);
} own_macs SEC(".maps");

// One devmap per distinct out-set (many flows share one). The inner maps are created by
// io/xdp_program.cpp with exactly this shape: the kernel requires it of every inner map.
struct out_set {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, ECMH_XDP_MAX_LINKS);
    // Sizes, not types: the value type's BTF is not complete enough for libbpf 1.1 here.
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(struct bpf_devmap_val));
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 256);
    __type(key, __u32);
    __array(values, struct out_set);
} out_sets SEC(".maps");

// --- Helpers.

#define ETH_HEADER 14
#define IPV6_HEADER 40
#define IPV4_HEADER 20
// The extension headers walked before giving up: wire::kMaxExtensionHeaders.
#define MAX_EXTENSION_HEADERS 8

#define PROTO_HOP_BY_HOP 0
#define PROTO_IGMP 2
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_ESP 50
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_DESTINATION_OPTIONS 60

static __always_inline void count(__u32 event) {
    __u64* n = bpf_map_lookup_elem(&events, &event);
    if (n) {
        *n += 1;
    }
}

static __always_inline int pass(__u32 event) {
    count(event);
    return XDP_PASS;
}

// Where a cached flow's packet goes once every check has passed: the flow's set.
struct route {
    const struct ecmh_flow_value* flow;
    void* set;
};

// Looks the flow up and checks what the action itself limits: valid_until and
// max_length. 0 when the packet may be forwarded; otherwise the pass-up event + 1.
static __always_inline __u32 find_route(const struct ecmh_flow_key* key, __u32 ip_length,
                                        struct route* r) {
    r->flow = bpf_map_lookup_elem(&flows, key);
    if (!r->flow) {
        return ECMH_XDP_PASS_NOT_CACHED + 1;
    }
    // The engine learns of a timer's expiry only when its loop runs; from valid_until on
    // the flow's listeners may be gone, so the engine decides (flow_cache.hpp). Both
    // clocks are CLOCK_MONOTONIC.
    if (bpf_ktime_get_ns() >= r->flow->valid_until_ns) {
        return ECMH_XDP_PASS_EXPIRED + 1;
    }
    // Too long for an out-link's MTU: the engine fragments (IPv4) or answers Packet Too
    // Big (RFC 8201 §4, IPv6).
    if (ip_length > r->flow->max_length) {
        return ECMH_XDP_PASS_TOO_BIG + 1;
    }
    r->set = bpf_map_lookup_elem(&out_sets, &r->flow->set_id);
    if (!r->set) {
        return ECMH_XDP_PASS_NO_SET + 1;
    }
    return 0;
}

// Counts the packet, trims Ethernet padding and hands the frame to the flow's set. The
// packet must already carry its decremented hop limit / TTL.
static __always_inline int send(struct xdp_md* ctx, const struct route* r, __u32 frame_length,
                                __u32 ip_length) {
    struct ecmh_flow_counters* c = bpf_map_lookup_elem(&flow_counters, &r->flow->counter_slot);
    if (c) {
        c->packets += 1;
        c->bytes += ip_length; // the IP packet as it arrived, as GroupCounters counts it
    }
    // Bytes past the IP length are the link's padding (RFC 894 minimum frame), not part
    // of the packet: the engine's copies end at the IP length too (forward_copy.hpp).
    const __u32 wanted = ETH_HEADER + ip_length;
    if (frame_length > wanted) {
        // Cannot fail: the frame only shrinks, and never below the 14 + IP bytes present.
        bpf_xdp_adjust_tail(ctx, (int)wanted - (int)frame_length);
    }
    count(ECMH_XDP_REDIRECTED);
    // Every link of the set but the arrival link; the engine never puts the arrival link
    // in a set, and EXCLUDE_INGRESS keeps it so. With BROADCAST the call always returns
    // XDP_REDIRECT (the flags' low bits would be the verdict of a failed lookup).
    return bpf_redirect_map(r->set, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

// --- IPv6 (RFC 8200).

// What a Next Header value means here: the upper layer (forwarded), an extension header
// walked as wire::parse_ipv6 walks it, or something that goes up.
enum next_kind { UPPER_LAYER, WALKED, GOES_UP };

static __always_inline enum next_kind classify(__u8 next) {
    switch (next) {
    case PROTO_HOP_BY_HOP:
        // First: MLD rides in it with Router Alert (RFC 2711); elsewhere it is an error
        // (RFC 8200 §4). Both are the engine's.
    case PROTO_ICMPV6:
        // MLD (RFC 3810 §5) and the rest of ICMPv6: the engine's.
    case PROTO_DESTINATION_OPTIONS:
        // Its options carry action bits (RFC 8200 §4.2) that wire::parse_ipv6 obeys; rare
        // in multicast data, so not read here.
    case PROTO_ESP:
    case 135: // Mobility (RFC 6275)
    case 139: // HIP (RFC 7401)
    case 140: // Shim6 (RFC 5533)
    case 253: // experimentation and testing (RFC 3692, RFC 4727)
    case 254:
        // Headers the engine does not walk blindly: it drops the packet.
        return GOES_UP;
    case PROTO_ROUTING:
    case PROTO_FRAGMENT:
    case PROTO_AH:
        return WALKED;
    default:
        return UPPER_LAYER; // UDP, TCP, No Next Header (59), …
    }
}

// Walks the extension headers after the fixed header as wire::parse_ipv6 does, for the
// ones the engine forwards unchanged: Routing with Segments Left 0, Fragment and AH.
// Returns 0 when the packet is plain data, otherwise the pass-up event + 1.
static __always_inline __u32 walk_ipv6(const __u8* ip, const void* end, __u8 next,
                                       __u32 ip_length) {
    __u32 offset = IPV6_HEADER;
#pragma unroll
    for (int walked = 0; walked < MAX_EXTENSION_HEADERS; ++walked) {
        const enum next_kind kind = classify(next);
        if (kind != WALKED) {
            return kind == UPPER_LAYER ? 0 : ECMH_XDP_PASS_CONTROL + 1;
        }
        // offset is at most 40 + 8 · 1024 here: bounded for the verifier.
        const __u8* h = ip + (offset & 0x3fff);
        if ((const void*)(h + 8) > end || offset + 8 > ip_length) {
            return ECMH_XDP_PASS_MALFORMED + 1; // runs past Payload Length
        }
        __u32 length = 8; // Fragment: fixed (RFC 8200 §4.5)
        if (next == PROTO_ROUTING) {
            // Segments Left ≠ 0 makes a multicast destination an intermediate hop, which
            // RFC 4291 §2.7 forbids: the engine drops it.
            if (h[3] != 0) {
                return ECMH_XDP_PASS_CONTROL + 1;
            }
            length = ((__u32)h[1] + 1) * 8; // RFC 8200 §4.4
        } else if (next == PROTO_AH) {
            length = ((__u32)h[1] + 2) * 4; // RFC 4302 §2.2
        } else if ((((__u32)h[2] << 8 | h[3]) >> 3) != 0) {
            // A non-first fragment: what follows is payload, and its Next Header is the
            // protocol the engine reads.
            return classify(h[0]) == GOES_UP ? ECMH_XDP_PASS_CONTROL + 1 : 0;
        }
        offset += length;
        if (offset > ip_length) {
            return ECMH_XDP_PASS_MALFORMED + 1;
        }
        next = h[0];
    }
    // wire::kMaxExtensionHeaders walked: only the upper layer may follow.
    return classify(next) == UPPER_LAYER ? 0 : ECMH_XDP_PASS_CONTROL + 1;
}

static __always_inline int ipv6(struct xdp_md* ctx, struct ethhdr* eth, __u8* ip, const void* end,
                                __u32 ifindex, __u32 frame_length) {
    if ((void*)(ip + IPV6_HEADER) > end) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    if ((ip[0] >> 4) != 6) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    const __u32 payload_length = (__u32)ip[4] << 8 | ip[5];
    const __u32 ip_length = IPV6_HEADER + payload_length;
    // Payload Length 0 is a jumbogram or an empty packet, and more than the frame holds
    // is a truncated one (RFC 8200 §3, RFC 2675 §2): the engine drops both.
    if (payload_length == 0 || ip_length > frame_length - ETH_HEADER) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    // Only multicast is forwarded (RFC 4291 §2.7: ff00::/8).
    if (ip[24] != 0xff) {
        return pass(ECMH_XDP_PASS_NOT_MULTICAST);
    }
    const __u32 walk = walk_ipv6(ip, end, ip[6], ip_length);
    if (walk != 0) {
        return pass(walk - 1);
    }
    // A router never forwards a packet whose hop limit would reach 0 (RFC 8200 §3); the
    // engine counts it as hop-limit-exceeded.
    if (ip[7] <= 1) {
        return pass(ECMH_XDP_PASS_HOP_LIMIT);
    }
    struct ecmh_flow_key key = {.ifindex = ifindex, .family = ECMH_XDP_FAMILY_IPV6};
    __builtin_memcpy(key.source, ip + 8, 16);
    __builtin_memcpy(key.group, ip + 24, 16);
    struct route r;
    const __u32 refused = find_route(&key, ip_length, &r);
    if (refused != 0) {
        return pass(refused - 1);
    }
    ip[7] -= 1;
    // The group's MAC, whatever the frame was addressed to (RFC 2464 §7: 33:33 and the
    // group's last 32 bits), as the engine writes it (wire::prepare_copy).
    eth->h_dest[0] = 0x33;
    eth->h_dest[1] = 0x33;
    __builtin_memcpy(eth->h_dest + 2, ip + 36, 4);
    return send(ctx, &r, frame_length, ip_length);
}

// --- IPv4 (RFC 791).

// The header checksum over 20 bytes is all ones when it is right (RFC 1071 §1).
static __always_inline int ipv4_checksum_ok(const __u8* ip) {
    __u32 sum = 0;
#pragma unroll
    for (int i = 0; i < IPV4_HEADER; i += 2) {
        sum += (__u32)ip[i] << 8 | ip[i + 1];
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

// TTL − 1 with the checksum adjusted for the word TTL|Protocol, as net::checksum_adjust
// does it: HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3), so both give the same bytes.
static __always_inline void decrement_ttl(__u8* ip) {
    const __u16 old_word = (__u16)(ip[8] << 8 | ip[9]);
    const __u16 new_word = (__u16)((ip[8] - 1) << 8 | ip[9]);
    __u32 sum = (__u16) ~(__u16)(ip[10] << 8 | ip[11]);
    sum += (__u16)~old_word;
    sum += new_word;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    const __u16 checksum = (__u16)~sum;
    ip[8] -= 1;
    ip[10] = (__u8)(checksum >> 8);
    ip[11] = (__u8)checksum;
}

static __always_inline int ipv4(struct xdp_md* ctx, struct ethhdr* eth, __u8* ip, const void* end,
                                __u32 ifindex, __u32 frame_length) {
    if ((void*)(ip + IPV4_HEADER) > end) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    if ((ip[0] >> 4) != 4) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    const __u32 ihl = ip[0] & 0x0f;
    if (ihl < 5) {
        return pass(ECMH_XDP_PASS_MALFORMED); // RFC 791 §3.1: at least 5 words
    }
    if (ihl != 5) {
        // Options: the engine checks each one's length and refuses source routes to a
        // group (RFC 4607 §7.4); Router Alert marks IGMP. All of it stays up there.
        return pass(ECMH_XDP_PASS_CONTROL);
    }
    // A damaged header is dropped by the engine (RFC 1812 §5.2.2); it must not be
    // forwarded here with a checksum made right by the incremental update.
    if (!ipv4_checksum_ok(ip)) {
        return pass(ECMH_XDP_PASS_BAD_CHECKSUM);
    }
    const __u32 ip_length = (__u32)ip[2] << 8 | ip[3];
    // Total Length below the header, or beyond the frame: truncated (RFC 1812 §5.2.2).
    if (ip_length < IPV4_HEADER || ip_length > frame_length - ETH_HEADER) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    // Only multicast is forwarded (RFC 1112 §4: 224.0.0.0/4).
    if ((ip[16] & 0xf0) != 0xe0) {
        return pass(ECMH_XDP_PASS_NOT_MULTICAST);
    }
    // IGMP is membership, and protocol 41 a 6in4 tunnel's packet (RFC 4213): both the
    // engine's, never forwarded as data.
    if (ip[9] == PROTO_IGMP || ip[9] == PROTO_IPV6) {
        return pass(ECMH_XDP_PASS_CONTROL);
    }
    // TTL 1 or 0 is not forwarded (RFC 1812 §5.3.1); the engine counts it.
    if (ip[8] <= 1) {
        return pass(ECMH_XDP_PASS_HOP_LIMIT);
    }
    struct ecmh_flow_key key = {.ifindex = ifindex, .family = ECMH_XDP_FAMILY_IPV4};
    key.source[10] = 0xff;
    key.source[11] = 0xff;
    __builtin_memcpy(key.source + 12, ip + 12, 4);
    key.group[10] = 0xff;
    key.group[11] = 0xff;
    __builtin_memcpy(key.group + 12, ip + 16, 4);
    struct route r;
    const __u32 refused = find_route(&key, ip_length, &r);
    if (refused != 0) {
        return pass(refused - 1);
    }
    decrement_ttl(ip);
    // The group's MAC, whatever the frame was addressed to (RFC 1112 §6.4: 01:00:5e and
    // the group's low 23 bits), as the engine writes it (wire::prepare_copy).
    eth->h_dest[0] = 0x01;
    eth->h_dest[1] = 0x00;
    eth->h_dest[2] = 0x5e;
    eth->h_dest[3] = ip[17] & 0x7f;
    eth->h_dest[4] = ip[18];
    eth->h_dest[5] = ip[19];
    return send(ctx, &r, frame_length, ip_length);
}

// --- The programs.

SEC("xdp")
int ecmh_ingress(struct xdp_md* ctx) {
    __u8* data = (__u8*)(long)ctx->data;
    const void* end = (const void*)(long)ctx->data_end;
    const __u32 ifindex = ctx->ingress_ifindex;
    const struct ecmh_link_info* arrival = bpf_map_lookup_elem(&link_info, &ifindex);
    if (!arrival) {
        return pass(ECMH_XDP_PASS_NO_LINK);
    }
    if ((void*)(data + ETH_HEADER) > end) {
        return pass(ECMH_XDP_PASS_MALFORMED);
    }
    const __u32 frame_length = (__u32)((const __u8*)end - data);
    const struct ethhdr* eth = (const struct ethhdr*)data;
    // A VLAN is its own interface and arrives untagged there; a tagged frame on the
    // parent belongs to a link ecmh does not serve (IEEE 802.1Q, rfc-map M15).
    if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD)) {
        return pass(ECMH_XDP_PASS_VLAN);
    }
    // One of our own frames (from any of our links' MACs) back on a link: an L2 loop the
    // engine counts and drops (engine/proxy.cpp is_own_mac).
    struct ecmh_mac_key source = {};
    __builtin_memcpy(source.mac, eth->h_source, 6);
    if (bpf_map_lookup_elem(&own_macs, &source)) {
        return pass(ECMH_XDP_PASS_OWN_MAC);
    }
    // Longer than the link's MTU allows: a GSO super-frame in generic mode, which the
    // engine cuts into segments (wire/udp_segment.hpp).
    if (frame_length > arrival->mtu + ETH_HEADER) {
        return pass(ECMH_XDP_PASS_FRAME_TOO_LONG);
    }
    if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        return ipv6(ctx, (struct ethhdr*)data, data + ETH_HEADER, end, ifindex, frame_length);
    }
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        return ipv4(ctx, (struct ethhdr*)data, data + ETH_HEADER, end, ifindex, frame_length);
    }
    return pass(ECMH_XDP_PASS_NOT_IP);
}

SEC("xdp/devmap")
int ecmh_egress(struct xdp_md* ctx) {
    __u8* data = (__u8*)(long)ctx->data;
    const void* end = (const void*)(long)ctx->data_end;
    const __u32 ifindex = ctx->egress_ifindex;
    const struct ecmh_link_info* out = bpf_map_lookup_elem(&link_info, &ifindex);
    // A link ecmh no longer serves (removed before its sets were updated): no copy.
    if (!out || (void*)(data + ETH_HEADER) > end) {
        count(ECMH_XDP_EGRESS_DROPPED);
        return XDP_DROP;
    }
    // The destination MAC stays the group's (RFC 2464 §7, RFC 1112 §6.4); the source is
    // the out-link's own, as the engine writes it (engine/proxy.cpp send_copy).
    struct ethhdr* eth = (struct ethhdr*)data;
    __builtin_memcpy(eth->h_source, out->mac, 6);
    count(ECMH_XDP_EGRESS_COPIES);
    return XDP_PASS;
}
