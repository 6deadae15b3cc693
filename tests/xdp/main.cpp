// SPDX-License-Identifier: BSD-3-Clause
// ecmh_xdp_tests runs in a network namespace of its own: entered before any test, left
// (and deleted with the veths made in it) when the process exits.
#include "xdp_fixture.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ecmh::test::xdp::enter_private_netns();
    return RUN_ALL_TESTS();
}
