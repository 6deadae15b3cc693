#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one General Query out of an interface, as a multicast router would.

Used by make_captures.sh inside the "router" namespace; needs python3-scapy (run it
with /usr/bin/python3).

usage: query.py mldv2|igmpv3 IFNAME
  mldv2:  fe80::100 -> ff02::1, Hop Limit 1, Hop-by-Hop Router Alert 0,
          Maximum Response Code 1000 ms, QRV 2, QQIC 125 s, no sources
  igmpv3: 198.51.100.100 -> 224.0.0.1, TTL 1, TOS 0xc0, IP Router Alert option,
          Max Resp Code 10 (1 s), QRV 2, QQIC 125 s, no sources
"""

import sys

from scapy.all import IP, Ether, IPOption_Router_Alert, sendp
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
from scapy.layers.inet6 import ICMPv6MLQuery2, IPv6, IPv6ExtHdrHopByHop, RouterAlert

ROUTER_MAC = "02:00:00:00:01:00"


def main(argv):
    if len(argv) != 2 or argv[0] not in ("mldv2", "igmpv3"):
        sys.exit(__doc__)
    kind, ifname = argv
    if kind == "mldv2":
        frame = (Ether(src=ROUTER_MAC, dst="33:33:00:00:00:01")
                 / IPv6(src="fe80::100", dst="ff02::1", hlim=1)
                 / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
                 / ICMPv6MLQuery2(mrd=1000, QRV=2, QQIC=125))
    else:
        frame = (Ether(src=ROUTER_MAC, dst="01:00:5e:00:00:01")
                 / IP(src="198.51.100.100", dst="224.0.0.1", ttl=1, tos=0xc0,
                      options=[IPOption_Router_Alert()])
                 / IGMPv3(type=0x11, mrcode=10)
                 / IGMPv3mq(gaddr="0.0.0.0", qrv=2, qqic=125))
    sendp(frame, iface=ifname, verbose=False)


if __name__ == "__main__":
    main(sys.argv[1:])
