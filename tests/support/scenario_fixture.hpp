// SPDX-License-Identifier: BSD-3-Clause
// The fixture most scenario tests share: a Scenario for one family F (MldFamily or
// IgmpFamily), and at the end of every test no frame that broke the RFC envelope rules
// the harness checks (Scenario::violations()). With ECMH_SCENARIO_SEEDS=DIR each test's
// inputs are also written there as an engine fuzzer script (support/engine_script.hpp).
#pragma once

#include "support/engine_script.hpp"
#include "support/scenario.hpp"

#include <gtest/gtest.h>

namespace ecmh::test {

template <class F>
class ScenarioTest : public ::testing::Test {
protected:
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
    script::SeedRecorder seeds{s}; // ECMH_SCENARIO_SEEDS: the engine fuzzer's seeds
    void TearDown() override {
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        seeds.save(std::string(test->test_suite_name()) + "." + test->name());
    }
};

} // namespace ecmh::test
