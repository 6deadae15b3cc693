// SPDX-License-Identifier: BSD-3-Clause
// Dropping root (-u USER) after everything privileged is open, in the fixed order
// setgroups → setresgid → setresuid, then verified: regaining root must fail. Only
// CAP_NET_RAW is kept (permitted + effective), because a link that appears later needs
// a new capture handle and packet socket; nothing else survives.
#pragma once

#include "ecmh/io/sys_error.hpp"

#include <string>
#include <sys/types.h>

namespace ecmh::io {

struct UserIds {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Looks the user up (getpwnam_r); the error names the user when it does not exist.
[[nodiscard]] SysResult<UserIds> find_user(const std::string& name);

// Drops to `user`, keeping CAP_NET_RAW: KEEPCAPS, setgroups({gid}), setresgid,
// setresuid, capset (raw syscall, no libcap), KEEPCAPS off, NO_NEW_PRIVS. Verifies:
// getresuid/getresgid all equal the target, setuid(0) fails ("could regain root"), the
// capability sets hold CAP_NET_RAW and nothing else. A uid-0 user is refused up front.
// Must run as root (or with CAP_SETUID, CAP_SETGID and CAP_NET_RAW).
[[nodiscard]] SysResult<Done> drop_privileges(const UserIds& user);

// nice −15 as the original ecmh did (before dropping root); returns the error if the
// kernel refuses (the daemon logs it and goes on).
[[nodiscard]] SysResult<Done> raise_priority(int nice_value);

} // namespace ecmh::io
