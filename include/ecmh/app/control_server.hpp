// SPDX-License-Identifier: BSD-3-Clause
// The control socket inside the daemon's single poll loop: the listening socket and up
// to kMaxClients connections, each a ControlSession. Nothing here blocks: accepts, reads
// and writes are non-blocking, each client has a deadline (next_deadline() is part of
// the loop's poll timeout) and is cut off when it passes, and a client beyond kMaxClients
// gets an error reply (written once, without waiting) and is closed.
#pragma once

#include "ecmh/app/control_protocol.hpp"
#include "ecmh/app/control_session.hpp"
#include "ecmh/engine/link.hpp"
#include "ecmh/io/control_socket.hpp"

#include <poll.h>
#include <span>
#include <vector>

namespace ecmh::app {

class ControlServer {
public:
    static constexpr std::size_t kMaxClients = 8;

    ControlServer(io::ControlListener listener, engine::EventLog& log)
        : listener_(std::move(listener)), log_(log) {}

    // The entries to poll: the listener, then one per client (POLLIN while it sends its
    // request, POLLOUT while its reply is pending).
    void append_poll_fds(std::vector<pollfd>& set) const;
    // `ready`: the entries append_poll_fds() added, after poll(). Serves what is ready and
    // cuts off clients past their deadline. The poll set must be rebuilt afterwards.
    void handle(std::span<const pollfd> ready, ControlTarget& target, proto::TimePoint now);
    [[nodiscard]] proto::TimePoint next_deadline() const;
    [[nodiscard]] const io::ControlListener& listener() const { return listener_; }
    [[nodiscard]] std::size_t client_count() const { return clients_.size(); }

private:
    struct Client {
        io::UniqueFd fd;
        ControlSession session;
    };

    void accept_all(proto::TimePoint now);
    // Returns false when the client is finished (answered, gone or failed).
    [[nodiscard]] static bool serve(Client& c, short revents, ControlTarget& target,
                                    proto::TimePoint now);
    [[nodiscard]] static bool flush(Client& c);

    io::ControlListener listener_;
    engine::EventLog& log_;
    std::vector<Client> clients_;
};

} // namespace ecmh::app
