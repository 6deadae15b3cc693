// SPDX-License-Identifier: BSD-3-Clause
// ecmh_man_options: prints the option list of doc/ecmh.8 from the option table, for
// tests/check_man_options.sh to compare with the man page or to write into it.
#include "ecmh/app/man_options.hpp"

#include <cstdio>

int main() {
    return std::fputs(ecmh::app::man_options_text().c_str(), stdout) < 0 ? 1 : 0;
}
