// SPDX-License-Identifier: BSD-3-Clause
// Dropping root for real, in a forked child (a process cannot get root back, so the
// test binary itself must never drop). Needs root; skipped otherwise.
#include "ecmh/io/privileges.hpp"
#include "support/os_fixtures.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ecmh::io;
using namespace ecmh::test;

namespace {

// What the dropped child found, as its exit code.
enum Check : int {
    kAllGood = 0,
    kNoSuchUser,
    kDropFailed,
    kWrongUid,
    kRegainedRoot,
    kLostNetRaw,
    kKeptDacOverride,
    kNewPrivsAllowed,
};

const char* describe(int code) {
    switch (code) {
    case kNoSuchUser:
        return "find_user(nobody) failed";
    case kDropFailed:
        return "drop_privileges failed (message on stderr)";
    case kWrongUid:
        return "getuid()/getgid() is not nobody's";
    case kRegainedRoot:
        return "setuid(0) succeeded";
    case kLostNetRaw:
        return "socket(AF_PACKET, SOCK_RAW) failed: CAP_NET_RAW lost";
    case kKeptDacOverride:
        return "created a file in a root-only directory";
    case kNewPrivsAllowed:
        return "PR_SET_NO_NEW_PRIVS is not set";
    default:
        return "the child died";
    }
}

int drop_and_check(const std::string& root_only_dir) {
    const auto nobody = find_user("nobody");
    if (!nobody) {
        return kNoSuchUser;
    }
    if (const auto dropped = drop_privileges(*nobody); !dropped) {
        std::fprintf(stderr, "%s\n", dropped.error().message().c_str());
        return kDropFailed;
    }
    if (::getuid() != nobody->uid || ::geteuid() != nobody->uid || ::getgid() != nobody->gid) {
        return kWrongUid;
    }
    if (::setuid(0) == 0) {
        return kRegainedRoot;
    }
    const int raw = ::socket(AF_PACKET, SOCK_RAW, 0);
    if (raw < 0) {
        return kLostNetRaw;
    }
    ::close(raw);
    const auto file = root_only_dir + "/written";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT, 0600);
    if (fd >= 0) {
        ::close(fd);
        return kKeptDacOverride;
    }
    if (::prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1) {
        return kNewPrivsAllowed;
    }
    return kAllGood;
}

} // namespace

TEST(Privileges, FindUserRoot) {
    const auto root = find_user("root");
    ASSERT_TRUE(root) << root.error().message();
    EXPECT_EQ(root->name, "root");
    EXPECT_EQ(root->uid, 0U);
    EXPECT_EQ(root->gid, 0U);
}

TEST(Privileges, UnknownUserIsNamed) {
    const auto missing = find_user("ecmh-no-such-user");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message(), "unknown user ecmh-no-such-user");
}

TEST(Privileges, DropToNobodyKeepsOnlyNetRaw) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "dropping privileges needs root";
    }
    const TempDir root_only("ecmh-priv"); // 0700, owned by root
    const int code = in_child([&] { return drop_and_check(root_only.path().string()); });
    EXPECT_EQ(code, kAllGood) << describe(code);
}

TEST(Privileges, DropToRootIsRefusedBeforeChangingAnything) {
    // In a child all the same: a regression must not strip the test binary's privileges.
    const int code = in_child([] {
        const uid_t before = ::geteuid();
        const auto dropped = drop_privileges(UserIds{"root", 0, 0});
        if (dropped) {
            return 1;
        }
        if (dropped.error().message().find("root") == std::string::npos) {
            return 2;
        }
        return ::geteuid() == before && ::prctl(PR_GET_KEEPCAPS, 0L, 0L, 0L, 0L) == 0 ? 0 : 3;
    });
    EXPECT_EQ(code, 0);
}

TEST(Privileges, RaisePrioritySetsTheNiceValue) {
    // Lowering priority is allowed to everyone; raising it needs root.
    const int wanted = ::geteuid() == 0 ? -5 : 10;
    const int code = in_child([wanted] {
        if (!raise_priority(wanted)) {
            return 1;
        }
        errno = 0;
        const int now = ::getpriority(PRIO_PROCESS, 0);
        return errno == 0 && now == wanted ? 0 : 2;
    });
    EXPECT_EQ(code, 0);
}

TEST(Privileges, RaisePriorityReportsRefusal) {
    // Without root (dropped in a child when the tests run as root) −15 is refused.
    const int code = in_child([] {
        if (::geteuid() == 0 && !drop_to_nobody()) {
            return 3;
        }
        const auto raised = raise_priority(-15);
        if (raised) {
            return 1;
        }
        return raised.error().message().find("setpriority -15") == 0 ? 0 : 2;
    });
    if (code == 3) {
        GTEST_SKIP() << "cannot switch to uid " << kNobodyUid << " here";
    }
    EXPECT_EQ(code, 0) << "1: raising priority succeeded, 2: wrong message";
}
