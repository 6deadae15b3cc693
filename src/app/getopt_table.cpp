// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/getopt_table.hpp"

#include <cstddef>

namespace ecmh::app {
namespace {

// The value getopt_long returns for the descriptor at `index`: its letter, so that -i
// and --upstream are one case, or a code above the char range.
int getopt_code(const OptionDescriptor& descriptor, std::size_t index) {
    if (descriptor.short_name != '\0') {
        return descriptor.short_name;
    }
    return kLongOnlyBase + static_cast<int>(index);
}

} // namespace

GetoptTable make_getopt_table(std::span<const OptionDescriptor> table) {
    GetoptTable getopt{":", {}};
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto& d = table[i];
        const bool takes_value = !d.argument.empty();
        if (d.short_name != '\0') {
            getopt.short_options += d.short_name;
            getopt.short_options += takes_value ? ":" : "";
        }
        getopt.long_options.push_back(option{d.long_name,
                                             takes_value ? required_argument : no_argument, nullptr,
                                             getopt_code(d, i)});
    }
    getopt.long_options.push_back(option{nullptr, 0, nullptr, 0});
    return getopt;
}

const OptionDescriptor* find_descriptor(std::span<const OptionDescriptor> table, int code) {
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (getopt_code(table[i], i) == code) {
            return &table[i];
        }
    }
    return nullptr;
}

} // namespace ecmh::app
