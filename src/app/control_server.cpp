// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/control_server.hpp"

#include <array>
#include <cerrno>

namespace ecmh::app {

void ControlServer::append_poll_fds(std::vector<pollfd>& set) const {
    set.push_back(pollfd{listener_.fd(), POLLIN, 0});
    for (const auto& c : clients_) {
        set.push_back(pollfd{c.fd.get(), c.session.reading() ? short{POLLIN} : short{POLLOUT}, 0});
    }
}

proto::TimePoint ControlServer::next_deadline() const {
    auto next = proto::kNever;
    for (const auto& c : clients_) {
        next = std::min(next, c.session.deadline());
    }
    return next;
}

void ControlServer::handle(std::span<const pollfd> ready, ControlTarget& target,
                           proto::TimePoint now) {
    // Clients first (ready[1…] matches clients_ as they were polled), then new ones.
    std::vector<Client> kept;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto& c = clients_[i];
        const short revents = i + 1 < ready.size() ? ready[i + 1].revents : short{0};
        if (!serve(c, revents, target, now)) {
            continue; // closed by the UniqueFd
        }
        if (c.session.expired(now)) {
            log_.log(engine::LogLevel::Info,
                     c.session.reading() ? "control socket: a client sent no complete request "
                                           "in time; closed"
                                         : "control socket: a client did not read its reply in "
                                           "time; closed");
            continue;
        }
        kept.push_back(std::move(c));
    }
    clients_ = std::move(kept);
    if (!ready.empty() && (ready[0].revents & POLLIN) != 0) {
        accept_all(now);
    }
}

void ControlServer::accept_all(proto::TimePoint now) {
    for (;;) {
        auto client = listener_.accept();
        if (!client) {
            log_.log(engine::LogLevel::Warning, client.error().message());
            return;
        }
        if (!client->valid()) {
            return; // none waiting
        }
        if (clients_.size() >= kMaxClients) {
            // One non-blocking attempt to say why; the client is closed either way.
            const auto reply = error_reply("too many control clients at once; try again", false);
            (void)io::write_some(client->get(), reply.text);
            continue;
        }
        clients_.push_back(Client{std::move(*client), ControlSession(now)});
    }
}

bool ControlServer::serve(Client& c, short revents, ControlTarget& target, proto::TimePoint now) {
    if (c.session.reading() && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        std::array<char, 512> buffer{};
        auto n = io::read_some(c.fd.get(), buffer.data(), buffer.size());
        if (!n) {
            return n.error().code == EAGAIN || n.error().code == EWOULDBLOCK;
        }
        if (*n == 0) {
            return false; // closed before a complete request: nothing to answer
        }
        switch (c.session.on_bytes(std::string_view(buffer.data(), *n))) {
        case ControlSession::Input::NeedMore:
            return true;
        case ControlSession::Input::TooLong:
            c.session.reply(error_reply("request longer than " +
                                            std::to_string(kMaxRequestLength - 1) + " bytes",
                                        false)
                                .text,
                            now);
            break;
        case ControlSession::Input::Line:
            c.session.reply(answer(c.session.line(), target, now).text, now);
            break;
        }
        return flush(c); // most replies fit the socket buffer at once
    }
    if (c.session.writing() && (revents & (POLLOUT | POLLHUP | POLLERR)) != 0) {
        return flush(c);
    }
    return true;
}

bool ControlServer::flush(Client& c) {
    while (c.session.writing()) {
        auto n = io::write_some(c.fd.get(), c.session.unsent());
        if (!n) {
            return n.error().code == EAGAIN || n.error().code == EWOULDBLOCK;
        }
        c.session.sent(*n);
    }
    return false; // all written: close
}

} // namespace ecmh::app
