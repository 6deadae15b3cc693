// SPDX-License-Identifier: BSD-3-Clause
// The control socket's `show` and `metrics` replies, against golden files. To refresh
// after an intended change:
//   ECMH_GOLDEN_UPDATE=1 build/tests/ecmh_unit_tests --gtest_filter='StatusRender*'
#include "ecmh/report/status_render.hpp"
#include "support/fake_flow_cache.hpp"
#include "support/json_check.hpp"
#include "support/os_fixtures.hpp"
#include "support/scenario.hpp"
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

// Every line of the Prometheus text format (0.0.4) is a HELP or TYPE comment, or a
// sample; each metric has one HELP and then one TYPE line, before its samples, and
// counters end in _total.
void expect_prometheus_format(const std::string& text) {
    const std::regex help(R"(# HELP (ecmh_[a-z_]+) \S.*)");
    const std::regex type(R"(# TYPE (ecmh_[a-z_]+) (counter|gauge))");
    const std::regex sample(
        R"((ecmh_[a-z_]+)(\{[a-z_]+="(?:[^"\\\n]|\\.)*"(?:,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? [0-9]+)");
    std::set<std::string> declared;
    std::set<std::string> typed;
    std::string current;
    std::string current_typed;
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
            EXPECT_TRUE(typed.insert(m[1]).second) << "typed twice: " << line;
            current_typed = m[1];
            current_type = m[2];
            EXPECT_EQ(current_type == "counter", current.ends_with("_total")) << line;
        } else if (std::regex_match(line, m, sample)) {
            EXPECT_EQ(m[1], current) << "sample outside its family: " << line;
            EXPECT_EQ(m[1], current_typed) << "sample before its TYPE line: " << line;
        } else {
            ADD_FAILURE() << "not a Prometheus line: " << line;
        }
    }
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

// The Prometheus text format, and the samples' values.
TEST_F(StatusRender, MetricsFollowThePrometheusTextFormat) {
    const auto links = report::collect_links(s.proxy, context);
    const auto groups = report::collect_groups(s.proxy, context);
    const auto stats = report::collect_stats(s.proxy, context);
    const auto text = report::render_metrics(links, groups, stats, true);
    expect_golden(text, "metrics.prom");
    expect_prometheus_format(text);
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

namespace {

// Issue 15, --forward xdp|auto: an engine with a fake flow cache of one flow. S1's flow
// to ff0e::1:1 and S3's are installed (the table holds 2), d1 goes down and takes both
// out, comes back and S1's comes again; the table shrinks to 1 and S2's flow is offered
// 4 times in vain. So: 1 flow, 3 installed, 2 removed, 4 refused.
class StatusRenderFastPath : public ::testing::Test {
protected:
    StatusRenderFastPath() {
        cache.capacity = 2;
        s.proxy().set_flow_cache(&cache);
        s.run_until(proto::at_ms(1000));
        s.report(s.d1(), "fe80::1:a", {{wire::RecordType::ChangeToExcludeMode, "ff0e::1:1", {}}});
        s.run_until(proto::at_ms(1500));
        send("2001:db8:1::10");
        send("2001:db8:1::30");
        s.set_link_down(s.d1());
        s.set_link_up(s.d1());
        s.run_for(std::chrono::milliseconds{1}); // its startup query
        send("2001:db8:1::10");
        cache.capacity = 1;
        for (int i = 0; i < 4; ++i) {
            send("2001:db8:1::20");
        }
        context.now = s.now();
        context.fast_path = report::FastPathView{
            {{"u0", "generic", "as --xdp-mode asks"},
             {"d1", "native", "its driver runs XDP"},
             {"d2", "userspace", "no Ethernet header"}},
            {{"passed-not-cached", 5}, {"redirected", 9}, {"egress-copies", 18}}};
    }
    void send(const std::string& source) {
        s.deliver(s.u0(), test::frames::udp(source, "ff0e::1:1", 16));
    }
    [[nodiscard]] report::StatsStatus stats() { return report::collect_stats(s.proxy(), context); }

    test::FakeFlowCache cache; // first: it outlives the engine that holds it
    test::Scenario s;
    report::StatusContext context{proto::at_ms(0), proto::at_ms(0), "now", 0};
};

} // namespace

TEST_F(StatusRenderFastPath, CollectsTheEnginesFlowsAndTheDaemonsView) {
    const auto& engine = s.proxy().statistics();
    ASSERT_EQ(s.proxy().flow_count(), 1U);
    ASSERT_EQ(engine.flows_installed, 3U);
    ASSERT_EQ(engine.flows_removed, 2U);
    ASSERT_EQ(engine.flows_refused_full, 4U);
    const auto f = stats().fast_path;
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->flows, 1U);
    EXPECT_EQ(f->flows_installed, 3U);
    EXPECT_EQ(f->flows_removed, 2U);
    EXPECT_EQ(f->flows_refused_full, 4U);
    ASSERT_EQ(f->links.size(), 3U);
    EXPECT_EQ(f->links[1].name, "d1");
    EXPECT_EQ(f->links[1].mode, "native");
    EXPECT_EQ(f->links[1].reason, "its driver runs XDP");
    EXPECT_EQ(f->events, context.fast_path->events);
}

TEST_F(StatusRenderFastPath, ShowStatsHasAFastPathSection) {
    const auto text = report::render_stats_text(stats());
    EXPECT_NE(text.find("fast path flows     1 (3 installed, 2 removed, 4 refused with the table "
                        "full)\n"
                        "fast path links\n"
                        "  u0                        generic (as --xdp-mode asks)\n"
                        "  d1                        native (its driver runs XDP)\n"
                        "  d2                        userspace (no Ethernet header)\n"
                        "fast path program\n"
                        "  passed-not-cached         5\n"
                        "  redirected                9\n"
                        "  egress-copies             18\n"),
              std::string::npos)
        << text;
    EXPECT_TRUE(text.ends_with("  egress-copies             18\n")) << text;
}

TEST_F(StatusRenderFastPath, ShowStatsJsonHasAFastPathObject) {
    const auto json = report::render_stats_json(stats());
    EXPECT_TRUE(test::valid_json(json)) << json;
    // The last member of "statistics".
    EXPECT_TRUE(json.ends_with(
        R"("fast-path":{"flows":1,"flows-installed":3,"flows-removed":2,"flows-refused-full":4,)"
        R"("links":[{"interface-name":"u0","mode":"generic","reason":"as --xdp-mode asks"},)"
        R"({"interface-name":"d1","mode":"native","reason":"its driver runs XDP"},)"
        R"({"interface-name":"d2","mode":"userspace","reason":"no Ethernet header"}],)"
        R"("program":{"passed-not-cached":5,"redirected":9,"egress-copies":18}}}})"
        "\n"))
        << json;
}

TEST_F(StatusRenderFastPath, MetricsHaveTheFastPathFamilies) {
    const auto text = report::render_metrics({}, {}, stats(), false);
    expect_prometheus_format(text);
    for (const char* sample : {
             "# TYPE ecmh_fast_path_flows gauge\necmh_fast_path_flows 1\n",
             "# TYPE ecmh_fast_path_flows_installed_total counter\n"
             "ecmh_fast_path_flows_installed_total 3\n",
             "# TYPE ecmh_fast_path_flows_removed_total counter\n"
             "ecmh_fast_path_flows_removed_total 2\n",
             "# TYPE ecmh_fast_path_flows_refused_total counter\n"
             "ecmh_fast_path_flows_refused_total 4\n",
             "# TYPE ecmh_fast_path_link_mode gauge\n"
             "ecmh_fast_path_link_mode{link=\"u0\",mode=\"native\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"u0\",mode=\"generic\"} 1\n"
             "ecmh_fast_path_link_mode{link=\"u0\",mode=\"userspace\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"d1\",mode=\"native\"} 1\n"
             "ecmh_fast_path_link_mode{link=\"d1\",mode=\"generic\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"d1\",mode=\"userspace\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"d2\",mode=\"native\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"d2\",mode=\"generic\"} 0\n"
             "ecmh_fast_path_link_mode{link=\"d2\",mode=\"userspace\"} 1\n",
             "# TYPE ecmh_fast_path_program_events_total counter\n"
             "ecmh_fast_path_program_events_total{event=\"passed-not-cached\"} 5\n"
             "ecmh_fast_path_program_events_total{event=\"redirected\"} 9\n"
             "ecmh_fast_path_program_events_total{event=\"egress-copies\"} 18\n",
         }) {
        EXPECT_NE(text.find(sample), std::string::npos) << sample << "\nin:\n" << text;
    }
}

// --forward userspace: no trace of a fast path but JSON's null.
TEST_F(StatusRender, WithoutAFastPathStatsShowNone) {
    const auto stats = report::collect_stats(s.proxy, context);
    EXPECT_FALSE(stats.fast_path.has_value());
    EXPECT_EQ(report::render_stats_text(stats).find("fast path"), std::string::npos);
    EXPECT_TRUE(report::render_stats_json(stats).ends_with(",\"fast-path\":null}}\n"));
    EXPECT_EQ(report::render_metrics({}, {}, stats, true).find("fast_path"), std::string::npos);
}
