// SPDX-License-Identifier: BSD-3-Clause
// The SIGUSR1 dump: atomic replacement, and the in-place fallback once the directory is
// no longer writable (tested as uid 65534 in a forked child when the tests run as root,
// because root writes into a read-only directory anyway).
#include "ecmh/io/dump_file.hpp"
#include "support/os_fixtures.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using ecmh::io::DumpFile;
using namespace ecmh::test;
namespace fs = std::filesystem;

namespace {

bool only_the_dump_in(const fs::path& dir) {
    int entries = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename() != "ecmh.dump") {
            return false;
        }
        ++entries;
    }
    return entries == 1;
}

// Exit codes of the fallback child.
constexpr int kChildOk = 0;
constexpr int kChildCannotDrop = 10;
constexpr int kChildWriteFailed = 11;
constexpr int kChildRenamed = 12;

int write_as_dropped_user(DumpFile& dump, const std::string& text) {
    if (!drop_to_nobody()) {
        return kChildCannotDrop;
    }
    const auto used_rename = dump.write(text);
    if (!used_rename) {
        std::fprintf(stderr, "%s\n", used_rename.error().message().c_str());
        return kChildWriteFailed;
    }
    return *used_rename ? kChildRenamed : kChildOk;
}

} // namespace

TEST(DumpFile, WriteCreatesAndThenReplaces) {
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    EXPECT_EQ(dump.path(), dir.file("ecmh.dump"));

    const auto first = dump.write("first dump\nwith two lines\n");
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_TRUE(*first);
    EXPECT_EQ(read_file(dump.path()), "first dump\nwith two lines\n");

    const auto second = dump.write("second\n");
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_TRUE(*second);
    EXPECT_EQ(read_file(dump.path()), "second\n");
    EXPECT_TRUE(only_the_dump_in(dir.path())) << "a temporary file was left behind";
}

TEST(DumpFile, LargeDumpIsWrittenWhole) {
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    const std::string text(3 * 1024 * 1024, 'x');
    const auto written = dump.write(text);
    ASSERT_TRUE(written) << written.error().message();
    EXPECT_EQ(fs::file_size(dump.path()), text.size());
}

TEST(DumpFile, ReplacesAStaleTemporaryFile) {
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    std::ofstream(dump.path() + ".tmp") << "left by a crash, and longer than the new dump\n";
    const auto written = dump.write("new\n");
    ASSERT_TRUE(written) << written.error().message();
    EXPECT_EQ(read_file(dump.path()), "new\n");
    EXPECT_TRUE(only_the_dump_in(dir.path()));
}

TEST(DumpFile, MissingDirectoryIsAnErrorNotAFallback) {
    DumpFile dump("/nonexistent-ecmh-dir/ecmh.dump");
    const auto written = dump.write("text\n");
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, ENOENT);
    EXPECT_NE(written.error().message().find("/nonexistent-ecmh-dir/ecmh.dump.tmp"),
              std::string::npos);
}

TEST(DumpFile, PrepareCreatesAnEmptyFileAndKeepsAnExistingOne) {
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    ASSERT_TRUE(dump.prepare_for(::getuid(), ::getgid()));
    EXPECT_TRUE(fs::exists(dump.path()));
    EXPECT_EQ(read_file(dump.path()), "");

    ASSERT_TRUE(dump.write("kept\n"));
    ASSERT_TRUE(dump.prepare_for(::getuid(), ::getgid()));
    EXPECT_EQ(read_file(dump.path()), "kept\n");
}

TEST(DumpFile, PrepareGivesTheFileToTheUser) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "chown to another user needs root";
    }
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    ASSERT_TRUE(dump.prepare_for(kNobodyUid, kNogroupGid));
    struct stat info {};
    ASSERT_EQ(::stat(dump.path().c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, kNobodyUid);
    EXPECT_EQ(info.st_gid, kNogroupGid);
}

TEST(DumpFile, ReadOnlyDirectoryFallsBackToRewritingInPlace) {
    TempDir dir("ecmh-dump");
    DumpFile dump(dir.file("ecmh.dump"));
    ASSERT_TRUE(dump.write("written as root, before -u\n"));
    const bool root = ::geteuid() == 0;
    ASSERT_TRUE(dump.prepare_for(root ? kNobodyUid : ::getuid(), root ? kNogroupGid : ::getgid()));
    // r-x for everyone: the dropped user can reach its file but create nothing.
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec |
                                    fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const std::string text = "written after dropping root\n";
    if (root) {
        const int code = in_child([&] { return write_as_dropped_user(dump, text); });
        if (code == kChildCannotDrop) {
            GTEST_SKIP() << "cannot switch to uid " << kNobodyUid << " here";
        }
        ASSERT_EQ(code, kChildOk) << "11: write failed, 12: rename used";
    } else {
        if (::access(dir.path().c_str(), W_OK) == 0) {
            GTEST_SKIP() << "this process writes into read-only directories (capabilities)";
        }
        const auto used_rename = dump.write(text);
        ASSERT_TRUE(used_rename) << used_rename.error().message();
        EXPECT_FALSE(*used_rename);
    }
    EXPECT_EQ(read_file(dump.path()), text);
    EXPECT_TRUE(only_the_dump_in(dir.path()));
}
