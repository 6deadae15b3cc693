/* SPDX-License-Identifier: BSD-3-Clause */
/* The layout the XDP fast path (src/bpf/ecmh_xdp.bpf.c) and ecmh (io/xdp_program.cpp) share:
 * the maps' keys and values, byte for byte. Plain C with fixed-width UAPI types, because
 * the BPF side is compiled as C by clang -target bpf and the daemon's side as C++. */
#ifndef ECMH_XDP_ABI_H
#define ECMH_XDP_ABI_H

#include <linux/types.h>

/* FlowKey::family as the map keys it. */
#define ECMH_XDP_FAMILY_IPV6 6
#define ECMH_XDP_FAMILY_IPV4 4

/* Most out-links one set holds: table::kMaxLinks. Every inner devmap has this size, as
 * the kernel requires of all inner maps of one map-in-map. */
#define ECMH_XDP_MAX_LINKS 256

/* One flow: arrival interface, source and group. IPv4 addresses are IPv4-mapped
 * (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), so one hash serves both families. */
struct ecmh_flow_key {
    __u32 ifindex;
    __u8 family;
    __u8 pad[3];
    __u8 source[16];
    __u8 group[16];
};

/* What the program does with the flow's packets (engine::FlowAction). */
struct ecmh_flow_value {
    __u32 set_id;         /* index into out_sets: the out-links' devmap */
    __u32 max_length;     /* longest IP packet forwarded; longer ones go up */
    __u32 counter_slot;   /* index into flow_counters */
    __u32 flags;          /* none defined yet: 0 */
    __u64 valid_until_ns; /* CLOCK_MONOTONIC; at or after it packets go up */
};

/* Per CPU, per counter slot: what the flow forwarded (bytes: the IP packet). */
struct ecmh_flow_counters {
    __u64 packets;
    __u64 bytes;
};

/* Per interface ecmh serves: its MAC (the source MAC of copies sent there, and the
 * own-frame check on arrival) and its MTU (the longest frame accepted on arrival). */
struct ecmh_link_info {
    __u8 mac[6];
    __u16 pad;
    __u32 mtu;
};

/* A MAC as the key of own_macs (padded to 8 bytes). */
struct ecmh_mac_key {
    __u8 mac[6];
    __u8 pad[2];
};

/* Indexes of the per-CPU events array: why a frame went up, and what was sent. */
enum ecmh_xdp_event {
    ECMH_XDP_PASS_NO_LINK = 0,    /* arrival interface not in link_info */
    ECMH_XDP_PASS_NOT_IP,         /* neither IPv4 nor IPv6 */
    ECMH_XDP_PASS_VLAN,           /* 802.1Q / 802.1ad tag */
    ECMH_XDP_PASS_OWN_MAC,        /* one of our own frames came back */
    ECMH_XDP_PASS_FRAME_TOO_LONG, /* longer than the arrival MTU allows */
    ECMH_XDP_PASS_MALFORMED,      /* truncated, bad version or length */
    ECMH_XDP_PASS_BAD_CHECKSUM,   /* IPv4 header checksum */
    ECMH_XDP_PASS_CONTROL,        /* MLD/ICMPv6, IGMP, 6in4, options, extension headers */
    ECMH_XDP_PASS_NOT_MULTICAST,
    ECMH_XDP_PASS_HOP_LIMIT, /* hop limit / TTL <= 1 */
    ECMH_XDP_PASS_NOT_CACHED,
    ECMH_XDP_PASS_EXPIRED,   /* at or after valid_until */
    ECMH_XDP_PASS_TOO_BIG,   /* longer than max_length */
    ECMH_XDP_PASS_NO_SET,    /* the flow's set is missing from out_sets */
    ECMH_XDP_REDIRECTED,     /* frames handed to a set */
    ECMH_XDP_EGRESS_COPIES,  /* copies given their source MAC */
    ECMH_XDP_EGRESS_DROPPED, /* copies to a link no longer in link_info */
    ECMH_XDP_EVENT_COUNT
};

#endif
