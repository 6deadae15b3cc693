// SPDX-License-Identifier: BSD-3-Clause
// The engine's LinkIo plus what the link manager needs of a transmitter: where each
// link's frames go. PacketSender implements it over AF_PACKET sockets; LinkManager's
// unit tests implement it with a vector.
#pragma once

#include "ecmh/engine/link.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/wire/link.hpp"

namespace ecmh::io {

class LinkTransmitter : public engine::LinkIo {
public:
    // Frames for `link` leave through interface `index`, framed for `type`.
    virtual void attach(engine::LinkId link, net::IfIndex index, wire::LinkType type) = 0;
    // `link` has no route any more: reserve() hands out nothing for it.
    virtual void detach(engine::LinkId link) = 0;
};

} // namespace ecmh::io
