// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/privileges.hpp"

#include <array>
#include <cerrno>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace ecmh::io {

namespace {

// The kernel's capability sets, version 3: two 32-bit words per set (no libcap).
struct CapabilitySets {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
};

constexpr std::uint32_t kNetRawBit = 1U << CAP_NET_RAW; // CAP_NET_RAW (13) is in word 0

SysResult<Done> fail(std::string what) {
    return net::unexpected(last_error(std::move(what)));
}

SysResult<Done> keep_only_net_raw() {
    CapabilitySets caps;
    caps.data[0].permitted = kNetRawBit;
    caps.data[0].effective = kNetRawBit;
    if (::syscall(SYS_capset, &caps.header, caps.data.data()) != 0) {
        return fail("capset CAP_NET_RAW");
    }
    return Done{};
}

// The identity switch proper. KEEPCAPS keeps the permitted set across setresuid (the
// kernel would clear it on leaving uid 0), so CAP_NET_RAW can be kept from it.
SysResult<Done> switch_ids(const UserIds& user) {
    if (::prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) {
        return fail("prctl PR_SET_KEEPCAPS");
    }
    // Only the user's primary group: root's supplementary groups must not survive.
    const gid_t group = user.gid;
    if (::setgroups(1, &group) != 0) {
        return fail("setgroups " + std::to_string(user.gid));
    }
    if (::setresgid(user.gid, user.gid, user.gid) != 0) {
        return fail("setresgid " + std::to_string(user.gid));
    }
    if (::setresuid(user.uid, user.uid, user.uid) != 0) {
        return fail("setresuid " + std::to_string(user.uid));
    }
    if (auto kept = keep_only_net_raw(); !kept) {
        return kept;
    }
    if (::prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0) {
        return fail("prctl PR_SET_KEEPCAPS 0");
    }
    // No exec'd program may gain anything back (setuid binaries, file capabilities).
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
        return fail("prctl PR_SET_NO_NEW_PRIVS");
    }
    return Done{};
}

SysError unverified(const std::string& what) {
    return SysError{"drop privileges: " + what, 0, {}};
}

SysResult<Done> verify_ids(const UserIds& user) {
    uid_t ruid = 0;
    uid_t euid = 0;
    uid_t suid = 0;
    gid_t rgid = 0;
    gid_t egid = 0;
    gid_t sgid = 0;
    if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0) {
        return fail("getresuid/getresgid");
    }
    if (ruid != user.uid || euid != user.uid || suid != user.uid) {
        return net::unexpected(unverified("uids are not all " + std::to_string(user.uid)));
    }
    if (rgid != user.gid || egid != user.gid || sgid != user.gid) {
        return net::unexpected(unverified("gids are not all " + std::to_string(user.gid)));
    }
    // The proof that matters: root is out of reach for good.
    if (::setuid(0) == 0 || ::seteuid(0) == 0) {
        return net::unexpected(unverified("could regain root"));
    }
    return Done{};
}

SysResult<Done> verify_capabilities() {
    CapabilitySets caps;
    if (::syscall(SYS_capget, &caps.header, caps.data.data()) != 0) {
        return fail("capget");
    }
    const auto& low = caps.data[0];
    const auto& high = caps.data[1];
    if (low.permitted != kNetRawBit || low.effective != kNetRawBit || low.inheritable != 0 ||
        high.permitted != 0 || high.effective != 0 || high.inheritable != 0) {
        return net::unexpected(unverified("capabilities other than CAP_NET_RAW remain"));
    }
    return Done{};
}

} // namespace

SysResult<UserIds> find_user(const std::string& name) {
    const long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 4096U);
    passwd entry{};
    passwd* found = nullptr;
    for (;;) {
        const int error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
        if (error == ERANGE && buffer.size() < (1U << 20)) {
            buffer.resize(buffer.size() * 2); // an entry with many long fields
            continue;
        }
        if (error != 0) {
            return net::unexpected(SysError{"getpwnam " + name, error, {}});
        }
        break;
    }
    if (found == nullptr) {
        return net::unexpected(SysError{"unknown user " + name, 0, {}});
    }
    return UserIds{name, found->pw_uid, found->pw_gid};
}

SysResult<Done> drop_privileges(const UserIds& user) {
    if (user.uid == 0) {
        // Nothing would be dropped, and verification would fail halfway through.
        return net::unexpected(SysError{"drop privileges to " + user.name, 0,
                                        "the user has uid 0; name an unprivileged user"});
    }
    if (auto switched = switch_ids(user); !switched) {
        return switched;
    }
    if (auto ids = verify_ids(user); !ids) {
        return ids;
    }
    return verify_capabilities();
}

SysResult<Done> raise_priority(int nice_value) {
    if (::setpriority(PRIO_PROCESS, 0, nice_value) != 0) {
        return fail("setpriority " + std::to_string(nice_value));
    }
    return Done{};
}

} // namespace ecmh::io
