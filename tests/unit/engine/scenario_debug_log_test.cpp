// SPDX-License-Identifier: BSD-3-Clause
// Scenario: every state transition of the protocol layer is one debug line, for MLD and
// IGMP — a downstream group's filter mode, the querier election on a downstream link,
// the upstream's reported filter mode and Host Compatibility Mode — and none is written
// when debug lines are not wanted.
#include "ecmh/proto/router_group.hpp"
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>
#include <string>
#include <type_traits>
#include <vector>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioDebugLog : public ScenarioTest<F> {
protected:
    using Family = std::conditional_t<F::kV6, proto::Ipv6Family, proto::Ipv4Family>;
    static std::string line(const char* link, const std::string& text) {
        return std::string(Family::kProtocolName) + " " + link + ": " + text;
    }
    static std::string version(std::uint8_t v) { return std::string(Family::version_name(v)); }
    // The transition lines among what was logged at Debug (membership lines are others).
    std::vector<std::string> transitions() {
        std::vector<std::string> out;
        for (const auto& [level, text] : this->s.log().lines) {
            if (level == engine::LogLevel::Debug && text.find(" -> ") != std::string::npos) {
                out.push_back(text);
            }
        }
        return out;
    }
    // Four transitions: d1's group to EXCLUDE, u0's reported group to EXCLUDE, d1's
    // querier to Non-Querier, u0's compatibility mode to the old version.
    void change_everything() {
        auto& s = this->s;
        s.run_until(at_ms(100));
        s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.query(s.d1(), QueryIn{F::R1_LOWER, F::kNewest});
        s.query(s.u0(), QueryIn{F::R_U, F::kOld});
    }
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioDebugLog, Families, FamilyNames);

using Strings = std::vector<std::string>;

} // namespace

TYPED_TEST(ScenarioDebugLog, OneLinePerTransition) {
    using F = TypeParam;
    using Family = typename TestFixture::Family;
    this->change_everything();
    const std::string to_ex{proto::RouterGroup<Family>::transition(
        proto::FilterMode::Include, RecordType::ChangeToExcludeMode)};
    EXPECT_EQ(this->transitions(),
              (Strings{
                  this->line("d1", std::string(F::G) +
                                       " filter mode INCLUDE -> EXCLUDE on TO_EX [" + to_ex + "]"),
                  this->line("u0", std::string(F::G) + " host filter mode INCLUDE -> EXCLUDE on "
                                                       "membership database changed"),
                  this->line("d1", "querier Querier -> Non-Querier on query received from a "
                                   "router with a lower IP address"),
                  this->line("u0", "host compatibility mode " + this->version(F::kNewest) + " -> " +
                                       this->version(F::kOld) + " on older-version query received"),
              }));
    // Then everything changes back, one line each: r1 goes quiet (OQPT, 8.6 s), the old
    // querier's OVQPT runs out (9.1 s), nobody answers on d1 so its Filter Timer ends
    // (MALI, 10.1 s), and with it the upstream's EXCLUDE.
    this->s.log().lines.clear();
    this->s.run_until(at_ms(11'000));
    EXPECT_EQ(this->transitions(),
              (Strings{
                  this->line("d1", "querier Non-Querier -> Querier on other querier present "
                                   "timer expired"),
                  this->line("u0", "host compatibility mode " + this->version(F::kOld) + " -> " +
                                       this->version(F::kNewest) +
                                       " on Older Version Querier Present timer expired"),
                  this->line("d1", std::string(F::G) +
                                       " filter mode EXCLUDE -> INCLUDE on Filter Timer expired"),
                  this->line("u0", std::string(F::G) + " host filter mode EXCLUDE -> INCLUDE on "
                                                       "membership database changed"),
              }));
}

TYPED_TEST(ScenarioDebugLog, NothingAtDebugWhenDebugIsOff) {
    this->s.log().debug = false;
    this->change_everything();
    this->s.run_until(at_ms(11'000));
    for (const auto& [level, text] : this->s.log().lines) {
        EXPECT_NE(level, engine::LogLevel::Debug) << text;
    }
    EXPECT_FALSE(this->s.log().lines.empty()); // the Info lines of the mode changes
}
