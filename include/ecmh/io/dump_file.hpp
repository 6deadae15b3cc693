// SPDX-License-Identifier: BSD-3-Clause
// Writes the SIGUSR1 dump so a reader never sees half of it: into PATH.tmp, fsync-free
// (it is a status file), then rename() over PATH. When the directory is not writable
// (root's /var/run after -u: EACCES, EPERM or EROFS), falls back to rewriting PATH in
// place; write() then returns false so the caller can say so (once).
#pragma once

#include "ecmh/io/sys_error.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace ecmh::io {

class DumpFile {
public:
    explicit DumpFile(std::string path) : path_(std::move(path)) {}

    // Before dropping root: create PATH (0644) owned by the user, so the in-place
    // fallback can still write it.
    [[nodiscard]] SysResult<Done> prepare_for(uid_t uid, gid_t gid);
    // Returns whether the atomic rename was used (false: in-place fallback).
    [[nodiscard]] SysResult<bool> write(std::string_view text);

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

} // namespace ecmh::io
