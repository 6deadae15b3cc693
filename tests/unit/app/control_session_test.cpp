// SPDX-License-Identifier: BSD-3-Clause
// One control client's state machine with a manual clock: partial lines, oversize
// input, the two timeouts, and the reply written in pieces.
#include "ecmh/app/control_protocol.hpp"
#include "ecmh/app/control_session.hpp"

#include <gtest/gtest.h>

using ecmh::app::ControlSession;
using ecmh::proto::at_ms;
using Input = ControlSession::Input;

TEST(ControlSession, CollectsALineSentInPieces) {
    ControlSession s(at_ms(0));
    EXPECT_EQ(s.on_bytes("show gr"), Input::NeedMore);
    EXPECT_EQ(s.on_bytes("oups --js"), Input::NeedMore);
    EXPECT_EQ(s.on_bytes("on\nignored after the newline"), Input::Line);
    EXPECT_EQ(s.line(), "show groups --json");
    EXPECT_TRUE(s.reading());
}

TEST(ControlSession, CutsOffALineOfTheMaximumLengthWithoutANewline) {
    ControlSession s(at_ms(0));
    const std::string chunk(ecmh::app::kMaxRequestLength / 2, 'a');
    EXPECT_EQ(s.on_bytes(chunk), Input::NeedMore);
    EXPECT_EQ(s.on_bytes(chunk), Input::TooLong);
}

TEST(ControlSession, AcceptsTheLongestAllowedLine) {
    ControlSession s(at_ms(0));
    const std::string line(ecmh::app::kMaxRequestLength - 1, 'a');
    EXPECT_EQ(s.on_bytes(line), Input::NeedMore);
    EXPECT_EQ(s.on_bytes("\n"), Input::Line);
    EXPECT_EQ(s.line().size(), ecmh::app::kMaxRequestLength - 1);
}

TEST(ControlSession, ExpiresWhenNoCompleteLineComesInTime) {
    ControlSession s(at_ms(0));
    EXPECT_EQ(s.deadline(), at_ms(0) + ControlSession::kRequestTimeout);
    EXPECT_EQ(s.on_bytes("show"), Input::NeedMore);
    EXPECT_FALSE(s.expired(at_ms(1999)));
    EXPECT_TRUE(s.expired(at_ms(2000)));
}

TEST(ControlSession, WritesTheReplyInPiecesWithinItsOwnDeadline) {
    ControlSession s(at_ms(0));
    ASSERT_EQ(s.on_bytes("show stats\n"), Input::Line);
    s.reply("0123456789", at_ms(1500));
    EXPECT_FALSE(s.reading());
    EXPECT_TRUE(s.writing());
    EXPECT_EQ(s.deadline(), at_ms(1500) + ControlSession::kReplyTimeout);
    EXPECT_FALSE(s.expired(at_ms(2000))); // the request's deadline no longer applies
    EXPECT_EQ(s.unsent(), "0123456789");
    s.sent(4);
    EXPECT_EQ(s.unsent(), "456789");
    EXPECT_TRUE(s.expired(at_ms(3500))); // a client that stops reading is cut off
    s.sent(6);
    EXPECT_FALSE(s.writing());
    EXPECT_TRUE(s.done());
    EXPECT_FALSE(s.expired(at_ms(9000)));
    EXPECT_EQ(s.on_bytes("second request\n"), Input::NeedMore); // one request per connection
}
