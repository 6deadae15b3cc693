// SPDX-License-Identifier: BSD-3-Clause
// The control socket served the way the daemon's loop serves it (poll, then handle), with
// real Unix sockets in a temporary directory and a manual clock: a request answered, a
// silent client cut off at its deadline while others are served, the client beyond
// kMaxClients refused, an oversize request answered with an error.
#include "ecmh/app/control_server.hpp"
#include "support/fake_control_target.hpp"
#include "support/os_fixtures.hpp"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace ecmh;
using proto::at_ms;

namespace {

io::UniqueFd connect_to(const std::string& path) {
    io::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0)
        << std::strerror(errno);
    return fd;
}

void send_text(const io::UniqueFd& fd, std::string_view text) {
    ASSERT_EQ(::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
}

// Everything the server wrote before closing, without blocking (after a round).
std::string received(const io::UniqueFd& fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) {
            return out;
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

bool closed_by_server(const io::UniqueFd& fd) {
    char c = 0;
    return ::recv(fd.get(), &c, 1, MSG_DONTWAIT) == 0;
}

class ControlServerTest : public ::testing::Test {
protected:
    ControlServerTest() : dir("ecmh-control") {
        auto listener = io::ControlListener::open(path);
        EXPECT_TRUE(listener.has_value()) << listener.error().message();
        server.emplace(std::move(*listener), log);
    }

    // One pass of the daemon's loop: poll without waiting, then handle.
    void round(proto::TimePoint now) {
        std::vector<pollfd> set;
        server->append_poll_fds(set);
        ASSERT_GE(::poll(set.data(), set.size(), 0), 0);
        server->handle(set, target, now);
    }

    test::TempDir dir;
    std::string path = dir.file("ctl/ecmh.sock");
    test::RecordingLog log;
    test::FakeControlTarget target;
    std::optional<app::ControlServer> server;
};

} // namespace

TEST_F(ControlServerTest, CreatesTheSocketAndItsDirectoryWithTheirModes) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660U);
    ASSERT_EQ(::stat(dir.file("ctl").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755U);
}

TEST_F(ControlServerTest, AnswersARequestAndCloses) {
    const auto client = connect_to(path);
    send_text(client, "show stats --json\n");
    round(at_ms(0)); // accept
    round(at_ms(0)); // read, answer, write
    const auto reply = received(client);
    EXPECT_TRUE(reply.starts_with("{\"statistics\":{")) << reply;
    EXPECT_EQ(server->client_count(), 0U);
    EXPECT_TRUE(closed_by_server(client));
}

TEST_F(ControlServerTest, CutsOffASilentClientWhileServingOthers) {
    const auto silent = connect_to(path);
    round(at_ms(0));
    EXPECT_EQ(server->client_count(), 1U);
    EXPECT_EQ(server->next_deadline(), at_ms(0) + app::ControlSession::kRequestTimeout);
    send_text(silent, "show"); // never finished

    const auto busy = connect_to(path);
    send_text(busy, "dump\n");
    round(at_ms(500));
    round(at_ms(500));
    EXPECT_EQ(received(busy), "/run/ecmh/ecmh.dump\n");
    EXPECT_EQ(target.dumps, 1);
    EXPECT_EQ(server->client_count(), 1U); // the silent one, still within its bound

    round(at_ms(1999));
    EXPECT_EQ(server->client_count(), 1U);
    round(at_ms(2000));
    EXPECT_EQ(server->client_count(), 0U);
    EXPECT_EQ(server->next_deadline(), proto::kNever);
    EXPECT_TRUE(closed_by_server(silent));
}

TEST_F(ControlServerTest, RefusesClientsBeyondTheBound) {
    std::vector<io::UniqueFd> clients;
    for (std::size_t i = 0; i < app::ControlServer::kMaxClients + 1; ++i) {
        clients.push_back(connect_to(path));
    }
    round(at_ms(0));
    EXPECT_EQ(server->client_count(), app::ControlServer::kMaxClients);
    const auto refused = received(clients.back());
    EXPECT_TRUE(refused.starts_with("error: too many control clients")) << refused;
    EXPECT_TRUE(closed_by_server(clients.back()));
}

TEST_F(ControlServerTest, AnswersAnOversizeRequestWithAnError) {
    const auto client = connect_to(path);
    round(at_ms(0));
    send_text(client, std::string(app::kMaxRequestLength + 10, 'x'));
    for (int i = 0; i < 4 && server->client_count() > 0; ++i) {
        round(at_ms(10));
    }
    const auto reply = received(client);
    EXPECT_TRUE(reply.starts_with("error: request longer than 1023 bytes")) << reply;
    EXPECT_EQ(server->client_count(), 0U);
}

TEST_F(ControlServerTest, AMalformedRequestGetsAnErrorAndTheServerGoesOn) {
    const auto bad = connect_to(path);
    send_text(bad, "show \x01\n");
    round(at_ms(0));
    round(at_ms(0));
    EXPECT_TRUE(received(bad).starts_with("error: request holds a control"));
    const auto good = connect_to(path);
    send_text(good, "show config\n");
    round(at_ms(0));
    round(at_ms(0));
    EXPECT_EQ(received(good), "upstream u0\n");
}

TEST(ControlListener, ReplacesAStaleSocketAndRefusesALiveOne) {
    test::TempDir dir("ecmh-control");
    const auto path = dir.file("ecmh.sock");
    {
        // A socket file nobody listens on: what a crashed ecmh leaves.
        io::UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        path.copy(a.sun_path, sizeof a.sun_path - 1);
        ASSERT_EQ(::bind(stale.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    }
    auto first = io::ControlListener::open(path);
    ASSERT_TRUE(first.has_value()) << first.error().message();
    auto second = io::ControlListener::open(path);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, EADDRINUSE);
    EXPECT_NE(second.error().message().find("another ecmh is answering"), std::string::npos);
}

TEST(ControlListener, RefusesAPathThatIsNotASocketAndRemovesItsOwnAtExit) {
    test::TempDir dir("ecmh-control");
    const auto file = dir.file("not-a-socket");
    test::write_file(file, "data");
    auto refused = io::ControlListener::open(file);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(test::read_file(file), "data");

    const auto path = dir.file("ecmh.sock");
    {
        auto listener = io::ControlListener::open(path);
        ASSERT_TRUE(listener.has_value());
        EXPECT_TRUE(std::filesystem::exists(path));
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}
