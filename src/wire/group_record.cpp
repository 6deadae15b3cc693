// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/group_record.hpp"

namespace ecmh::wire {

std::string_view to_string(RecordType type) {
    switch (type) {
    case RecordType::ModeIsInclude:
        return "IS_IN";
    case RecordType::ModeIsExclude:
        return "IS_EX";
    case RecordType::ChangeToIncludeMode:
        return "TO_IN";
    case RecordType::ChangeToExcludeMode:
        return "TO_EX";
    case RecordType::AllowNewSources:
        return "ALLOW";
    case RecordType::BlockOldSources:
        return "BLOCK";
    }
    return "UNKNOWN";
}

} // namespace ecmh::wire
