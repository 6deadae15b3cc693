#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.no_upstream: ecmh without -i (every link downstream, the old zero-config mode).

h1 streams to ff0e::8:1 and 239.8.8.1; h2 listens: it receives both. Nothing goes to the
link without listeners (up0) nor back to h1's link. Then ns up listens to ff0e::8:1
too: it receives. The dump shows every link as downstream with ecmh as querier.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, check, log  # noqa: E402

G6, G4 = "ff0e::8:1", "239.8.8.1"
PORT = 5008


def body(args):
    topo = netns.standard_topology("no_upstream")
    ecmh = netns.start_ecmh(topo, args, [])
    sniff_up = netns.Sniffer(topo, "up")
    sniff1 = netns.Sniffer(topo, "h1")
    l2 = netns.Listener(topo, "h2", [G6, G4], PORT)
    netns.Sender(topo, "h1", G6, H1_6, PORT)
    netns.Sender(topo, "h1", G4, H1_4, PORT)

    l2.wait_count(20, G6, H1_6, what=f"h2 to receive 20 datagrams of {G6} from h1")
    l2.wait_count(20, G4, H1_4, what=f"h2 to receive 20 datagrams of {G4} from h1")
    check(sniff_up.count(G6) == 0 and sniff_up.count(G4) == 0,
          f"without -i nothing should go to a link without listeners, yet up0 got "
          f"{sniff_up.count(G6) + sniff_up.count(G4)} datagrams")
    check(sniff1.count(G6) == 0 and sniff1.count(G4) == 0,
          "ecmh sent copies back to the source's link")
    dump = ecmh.dump()
    for name in ("up0", "dn1", "dn2"):
        check(dump.interfaces.get(name, {}).get("Role") == "downstream",
              f"without -i {name} should be downstream: {dump.interfaces.get(name)}")
    check(not dump.upstream, f"without -i the Upstream section should be empty: {dump.upstream}")

    log(f"ns up listens to {G6}")
    lup = netns.Listener(topo, "up", [G6], PORT, name="listener-up")
    lup.wait_count(20, G6, H1_6, what=f"ns up to receive 20 datagrams of {G6}")
    check(sniff_up.count(G4) == 0, f"ns up did not join {G4}, yet it reached up0")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("no_upstream", body)
