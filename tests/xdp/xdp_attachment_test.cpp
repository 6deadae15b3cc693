// SPDX-License-Identifier: BSD-3-Clause
// Attaching the program to a veth in the test's own namespace, as `ip link` sees it.
#include "ecmh/io/xdp_attachment.hpp"
#include "xdp_fixture.hpp"

namespace ecmh::test::xdp {
namespace {

using Attachment = XdpTest;

// `ip -details link show dev name`, as an operator would look.
std::string ip_link(const std::string& name) {
    return output_of("ip -details link show dev " + name);
}

TEST_F(Attachment, GenericAttachIsSeenAndGoesWithTheObject) {
    const auto index = make_veth("xa1");
    ASSERT_TRUE(index.valid());
    EXPECT_EQ(ip_link("xa1").find("xdpgeneric"), std::string::npos);
    {
        auto attached = io::XdpAttachment::attach(*program, index, io::XdpMode::Generic);
        ASSERT_TRUE(attached) << attached.error().message();
        EXPECT_EQ(attached->mode(), io::XdpMode::Generic);
        const auto shown = ip_link("xa1");
        EXPECT_NE(shown.find("xdpgeneric"), std::string::npos) << shown;
        EXPECT_NE(shown.find("ecmh_ingress"), std::string::npos) << shown;
    }
    const auto after = ip_link("xa1");
    EXPECT_EQ(after.find("xdpgeneric"), std::string::npos) << after;
}

TEST_F(Attachment, ASecondProgramOnTheLinkIsRefusedWithAReason) {
    const auto index = make_veth("xa2");
    ASSERT_TRUE(index.valid());
    auto first = io::XdpAttachment::attach(*program, index, io::XdpMode::Generic);
    ASSERT_TRUE(first) << first.error().message();
    const auto second = io::XdpAttachment::attach(*program, index, io::XdpMode::Generic);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message().find("another XDP program is attached"), std::string::npos)
        << second.error().message();
}

TEST_F(Attachment, NoSuchInterfaceIsRefused) {
    const auto attached =
        io::XdpAttachment::attach(*program, net::IfIndex{999'999}, io::XdpMode::Generic);
    ASSERT_FALSE(attached);
    EXPECT_NE(attached.error().message().find("999999"), std::string::npos);
}

} // namespace
} // namespace ecmh::test::xdp
