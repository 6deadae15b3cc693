// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/control_session.hpp"

#include "ecmh/app/control_protocol.hpp"

namespace ecmh::app {

ControlSession::Input ControlSession::on_bytes(std::string_view bytes) {
    if (writing_) {
        return Input::NeedMore; // a second request on the same connection: ignored
    }
    const auto newline = bytes.find('\n');
    const auto take = newline == std::string_view::npos ? bytes.size() : newline;
    // Never hold more than the longest request: a client streaming bytes without a
    // newline costs at most kMaxRequestLength of memory.
    if (buffer_.size() + take >= kMaxRequestLength) {
        buffer_.clear();
        return Input::TooLong;
    }
    buffer_.append(bytes.substr(0, take));
    if (newline == std::string_view::npos) {
        return Input::NeedMore;
    }
    line_ = std::move(buffer_);
    buffer_.clear();
    return Input::Line;
}

void ControlSession::reply(std::string text, proto::TimePoint now) {
    reply_ = std::move(text);
    sent_ = 0;
    writing_ = true;
    deadline_ = now + kReplyTimeout;
}

} // namespace ecmh::app
