// SPDX-License-Identifier: BSD-3-Clause
// The control protocol without a socket: every command and flag, malformed and oversize
// requests (an error reply, nothing done), and what each command does to its target.
#include "ecmh/app/control_protocol.hpp"
#include "support/fake_control_target.hpp"
#include "support/json_check.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using app::ControlCommand;

namespace {

using FakeTarget = test::FakeControlTarget;

app::ControlRequest parsed(std::string_view line) {
    auto r = app::parse_control_request(line);
    EXPECT_TRUE(r.has_value()) << line << ": " << (r ? "" : r.error().message);
    return r ? *r : app::ControlRequest{};
}

std::string parse_error(std::string_view line) {
    auto r = app::parse_control_request(line);
    EXPECT_FALSE(r.has_value()) << line;
    return r ? "" : r.error().message;
}

} // namespace

TEST(ControlRequest, ParsesEveryCommand) {
    EXPECT_EQ(parsed("show links").command, ControlCommand::ShowLinks);
    EXPECT_EQ(parsed("show groups").command, ControlCommand::ShowGroups);
    EXPECT_EQ(parsed("show upstream").command, ControlCommand::ShowUpstream);
    EXPECT_EQ(parsed("show stats").command, ControlCommand::ShowStats);
    EXPECT_EQ(parsed("show config").command, ControlCommand::ShowConfig);
    EXPECT_EQ(parsed("reload").command, ControlCommand::Reload);
    EXPECT_EQ(parsed("resend").command, ControlCommand::Resend);
    EXPECT_EQ(parsed("dump").command, ControlCommand::Dump);
    EXPECT_EQ(parsed("metrics").command, ControlCommand::Metrics);
}

TEST(ControlRequest, ParsesFlagsAnywhereAndToleratesSpacing) {
    const auto a = parsed("show groups --json");
    EXPECT_TRUE(a.json);
    EXPECT_FALSE(a.per_group);
    EXPECT_TRUE(parsed("--json show links").json);
    EXPECT_TRUE(parsed("  show\tstats   --json \r").json);
    EXPECT_FALSE(parsed("show stats").json);
    EXPECT_TRUE(parsed("metrics --groups").per_group);
    EXPECT_TRUE(parsed("reload --json").json);
    EXPECT_TRUE(parsed("dump --json").json);
}

TEST(ControlRequest, RejectsMalformedRequests) {
    EXPECT_EQ(parse_error(""), "empty request");
    EXPECT_EQ(parse_error("   "), "empty request");
    EXPECT_NE(parse_error("show").find("unknown command 'show'"), std::string::npos);
    EXPECT_NE(parse_error("show everything").find("unknown command"), std::string::npos);
    EXPECT_NE(parse_error("show links now").find("unknown command"), std::string::npos);
    EXPECT_NE(parse_error("links").find("unknown command"), std::string::npos);
    EXPECT_NE(parse_error("SHOW LINKS").find("unknown command"), std::string::npos);
    EXPECT_NE(parse_error("show links --yaml").find("unknown flag '--yaml'"), std::string::npos);
    EXPECT_NE(parse_error("show links --json --json").find("twice"), std::string::npos);
    EXPECT_NE(parse_error("show links --groups").find("metrics only"), std::string::npos);
    EXPECT_NE(parse_error("metrics --json").find("no --json"), std::string::npos);
    EXPECT_NE(parse_error("show\x01links").find("control or non-ASCII"), std::string::npos);
    EXPECT_NE(parse_error("show links \xc3\xa9").find("non-ASCII"), std::string::npos);
    EXPECT_NE(parse_error(std::string_view("show\0links", 10)).find("control"), std::string::npos);
    EXPECT_NE(parse_error(std::string(app::kMaxRequestLength, 'a')).find("longer than"),
              std::string::npos);
}

TEST(ControlRequest, AnswersAnErrorInJsonWhenJsonWasAsked) {
    FakeTarget t;
    const auto plain = app::answer("show nothing", t, t.scenario.now);
    EXPECT_TRUE(plain.error);
    EXPECT_TRUE(plain.text.starts_with("error: unknown command 'show nothing'")) << plain.text;
    const auto json = app::answer("show nothing --json", t, t.scenario.now);
    EXPECT_TRUE(json.error);
    EXPECT_TRUE(json.text.starts_with("{\"error\":\"unknown command")) << json.text;
    EXPECT_TRUE(test::valid_json(json.text));
    EXPECT_EQ(t.reloads + t.resends + t.dumps, 0);
}

TEST(ControlExecute, ShowsTheEngineInTextAndJson) {
    FakeTarget t;
    for (const char* line : {"show links", "show groups", "show upstream", "show stats"}) {
        const auto text = app::answer(line, t, t.scenario.now);
        EXPECT_FALSE(text.error) << line;
        EXPECT_FALSE(text.text.empty());
        const auto json = app::answer(std::string(line) + " --json", t, t.scenario.now);
        EXPECT_FALSE(json.error);
        EXPECT_TRUE(test::valid_json(json.text)) << line << ": " << json.text;
    }
    EXPECT_NE(app::answer("show groups", t, t.scenario.now).text.find("ff0e::1:2000"),
              std::string::npos);
    EXPECT_NE(app::answer("metrics --groups", t, t.scenario.now).text.find("group=\"232.1.1.1\""),
              std::string::npos);
}

TEST(ControlExecute, ShowConfigIsTheTargetsText) {
    FakeTarget t;
    EXPECT_EQ(app::answer("show config", t, t.scenario.now).text, "upstream u0\n");
    EXPECT_EQ(app::answer("show config --json", t, t.scenario.now).text,
              "{\"config\":\"upstream u0\\n\"}\n");
}

TEST(ControlExecute, ReloadResendAndDumpAct) {
    FakeTarget t;
    EXPECT_EQ(app::answer("reload", t, t.scenario.now).text, "interfaces rescanned\n");
    EXPECT_EQ(app::answer("resend --json", t, t.scenario.now).text,
              "{\"result\":\"re-sending\"}\n");
    EXPECT_EQ(app::answer("dump", t, t.scenario.now).text, "/run/ecmh/ecmh.dump\n");
    EXPECT_EQ(app::answer("dump --json", t, t.scenario.now).text,
              "{\"path\":\"/run/ecmh/ecmh.dump\"}\n");
    EXPECT_EQ(t.reloads, 1);
    EXPECT_EQ(t.resends, 1);
    EXPECT_EQ(t.dumps, 2);
    t.reload_fails = true;
    const auto failed = app::answer("reload --json", t, t.scenario.now);
    EXPECT_TRUE(failed.error);
    EXPECT_EQ(failed.text, "{\"error\":\"bad \\\"file\\\"\"}\n");
}
