// SPDX-License-Identifier: BSD-3-Clause
// Runs a libFuzzer entry point once over every file in the given files or folders, so
// the seed corpus is an ordinary regression test in any build (gcc, ASan+UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int run_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
    }
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t ran = 0;
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg{argv[i]};
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::directory_iterator(arg)) {
                if (entry.is_regular_file()) {
                    failures += run_file(entry.path());
                    ++ran;
                }
            }
        } else {
            failures += run_file(arg);
            ++ran;
        }
    }
    std::printf("ran %zu inputs\n", ran);
    // An empty corpus is a mistake in the tree, not a pass.
    return (ran == 0 || failures != 0) ? 1 : 0;
}
