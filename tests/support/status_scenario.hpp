// SPDX-License-Identifier: BSD-3-Clause
// An engine with something to show, for the control socket's renderers and protocol:
// an upstream u0 and downstream links d1 and d2 (d2 down); on d1 an MLDv2 join of
// ff0e::1:2000 excluding 2001:db8:1::66 and an IGMPv3 join of (192.0.2.101, 232.1.1.1),
// on d2 an IGMPv2 join of 239.1.2.3; two packets to ff0e::1:2000 from upstream, one
// with a bad checksum report (a drop). The clock stands at 5 s.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "support/fake_link_io.hpp"

namespace ecmh::test {

struct StatusScenario {
    StatusScenario();
    StatusScenario(const StatusScenario&) = delete;
    StatusScenario& operator=(const StatusScenario&) = delete;

    FakeLinkIo io;
    RecordingLog log;
    engine::Proxy proxy;
    proto::TimePoint now;
};

} // namespace ecmh::test
