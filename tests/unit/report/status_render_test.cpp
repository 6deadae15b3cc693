// SPDX-License-Identifier: BSD-3-Clause
// The control socket's `show` and `metrics` replies, against golden files. To refresh
// after an intended change:
//   ECMH_GOLDEN_UPDATE=1 build/tests/ecmh_unit_tests --gtest_filter='StatusRender*'
#include "ecmh/report/status_render.hpp"
#include "support/json_check.hpp"
#include "support/os_fixtures.hpp"
#include "support/status_scenario.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sstream>

using namespace ecmh;

namespace {

void expect_golden(const std::string& text, const std::string& name) {
    const std::string golden = std::string(ECMH_TEST_DATA_DIR) + "/golden/control/" + name;
    if (const char* update = std::getenv("ECMH_GOLDEN_UPDATE");
        update != nullptr && std::string(update) == "1") {
        std::ofstream(golden) << text;
    }
    EXPECT_EQ(text, test::read_file(golden)) << name;
}

// A `show` reply in both forms: the text and the JSON against <name>.txt and <name>.json,
// the JSON also through an independent syntax check.
void expect_both(const std::string& text, const std::string& json, const std::string& name) {
    expect_golden(text, name + ".txt");
    EXPECT_TRUE(test::valid_json(json)) << json;
    expect_golden(json, name + ".json");
}

class StatusRender : public ::testing::Test {
protected:
    test::StatusScenario s;
    report::StatusContext context{s.now, proto::at_ms(0), "2026-11-23 06:00:00 GMT", 4};
};

} // namespace

TEST_F(StatusRender, LinksAsTextAndJson) {
    const auto links = report::collect_links(s.proxy, context);
    ASSERT_EQ(links.size(), 3U);
    EXPECT_EQ(links[0].role, "upstream");
    EXPECT_FALSE(links[2].up);
    expect_both(report::render_links_text(links), report::render_links_json(links), "links");
}

TEST_F(StatusRender, GroupsAsTextAndJson) {
    const auto groups = report::collect_groups(s.proxy, context);
    ASSERT_EQ(groups.size(), 3U);
    EXPECT_EQ(groups[0].group, "ff0e::1:2000");
    ASSERT_EQ(groups[0].members.size(), 1U);
    EXPECT_EQ(groups[0].members[0].filter_mode, "exclude");
    EXPECT_EQ(groups[0].members[0].blocked, std::vector<std::string>{"2001:db8:1::66"});
    EXPECT_EQ(groups[0].counters.packets, 2U);
    EXPECT_EQ(groups[2].group, "239.1.2.3");
    EXPECT_EQ(groups[2].members[0].link, "d2");
    EXPECT_EQ(groups[2].members[0].compatibility_version, 2);
    expect_both(report::render_groups_text(groups), report::render_groups_json(groups), "groups");
}

TEST_F(StatusRender, UpstreamAsTextAndJson) {
    const auto upstream = report::collect_upstream(s.proxy, context);
    ASSERT_EQ(upstream.upstreams.size(), 1U);
    EXPECT_EQ(upstream.upstreams[0].link, "u0");
    EXPECT_EQ(upstream.upstreams[0].groups.size(), 3U);
    EXPECT_EQ(upstream.upstreams[0].serves, (std::vector<std::string>{"::/0", "0.0.0.0/0"}));
    expect_both(report::render_upstream_text(upstream), report::render_upstream_json(upstream),
                "upstream");
}

TEST_F(StatusRender, StatsAsTextAndJson) {
    const auto stats = report::collect_stats(s.proxy, context);
    EXPECT_EQ(stats.groups, 3U);
    EXPECT_EQ(stats.forwarded, 2U);
    EXPECT_EQ(stats.kernel_drops, 4U);
    expect_both(report::render_stats_text(stats), report::render_stats_json(stats), "stats");
}

TEST(StatusRenderEmpty, SaysThereIsNothing) {
    EXPECT_EQ(report::render_links_text({}), "no links\n");
    EXPECT_EQ(report::render_groups_text({}), "no groups\n");
    EXPECT_EQ(report::render_upstream_text({}), "no upstream link\n");
    EXPECT_EQ(report::render_groups_json({}), "{\"groups\":[]}\n");
    EXPECT_EQ(report::render_upstream_json({}),
              "{\"upstream\":{\"interface-name\":null,\"mld-version\":null,\"igmp-version\":null,"
              "\"groups\":[]},\"upstreams\":[]}\n");
}

// Every line of the Prometheus text format (0.0.4) is a HELP or TYPE comment, or a
// sample; each metric is declared once, before its samples, and counters end in _total.
TEST_F(StatusRender, MetricsFollowThePrometheusTextFormat) {
    const auto links = report::collect_links(s.proxy, context);
    const auto groups = report::collect_groups(s.proxy, context);
    const auto stats = report::collect_stats(s.proxy, context);
    const auto text = report::render_metrics(links, groups, stats, true);
    expect_golden(text, "metrics.prom");

    const std::regex help(R"(# HELP (ecmh_[a-z_]+) \S.*)");
    const std::regex type(R"(# TYPE (ecmh_[a-z_]+) (counter|gauge))");
    const std::regex sample(
        R"((ecmh_[a-z_]+)(\{[a-z_]+="(?:[^"\\\n]|\\.)*"(?:,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? [0-9]+)");
    std::set<std::string> declared;
    std::string current;
    std::string current_type;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, help)) {
            EXPECT_TRUE(declared.insert(m[1]).second) << "declared twice: " << line;
            current = m[1];
        } else if (std::regex_match(line, m, type)) {
            EXPECT_EQ(m[1], current) << line;
            current_type = m[2];
            EXPECT_EQ(current_type == "counter", current.ends_with("_total")) << line;
        } else if (std::regex_match(line, m, sample)) {
            EXPECT_EQ(m[1], current) << "sample outside its family: " << line;
        } else {
            ADD_FAILURE() << "not a Prometheus line: " << line;
        }
    }
    EXPECT_NE(text.find("ecmh_forwarded_packets_total 2\n"), std::string::npos);
    EXPECT_NE(text.find("ecmh_drops_total{reason=\"bad-checksum\"} 1\n"), std::string::npos);
    EXPECT_NE(
        text.find("ecmh_group_forwarded_packets_total{family=\"ipv6\",group=\"ff0e::1:2000\"} 2\n"),
        std::string::npos);
    // Without --groups, no per-group series.
    const auto plain = report::render_metrics(links, groups, stats, false);
    EXPECT_EQ(plain.find("ecmh_group_forwarded"), std::string::npos);
}

TEST(StatusRenderMetrics, EscapesLabelValues) {
    report::LinkStatus odd;
    odd.name = "a\"b\\c\nd";
    odd.role = "downstream";
    const auto text = report::render_metrics(std::span(&odd, 1), {}, report::StatsStatus{}, false);
    EXPECT_NE(text.find(R"(ecmh_link_up{link="a\"b\\c\nd",role="downstream"} 1)"),
              std::string::npos)
        << text;
}
