// SPDX-License-Identifier: BSD-3-Clause
// The fixture most scenario tests share: a Scenario for one family F (MldFamily or
// IgmpFamily), and at the end of every test no frame that broke the RFC envelope rules
// the harness checks (Scenario::violations()).
#pragma once

#include "support/scenario.hpp"

#include <gtest/gtest.h>

namespace ecmh::test {

template <class F>
class ScenarioTest : public ::testing::Test {
protected:
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
    void TearDown() override {
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
    }
};

} // namespace ecmh::test
