// domain/time_format.h
// RFC 3339 UTC timestamps with milliseconds ("2026-11-20T09:15:00.123Z").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/ids.h"

namespace eventmart {

std::string FormatTime(TimeMs ms);
void AppendTime(TimeMs ms, std::string* out);  // the same, appended

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" and numeric offsets ("+09:00").
std::optional<TimeMs> ParseTime(std::string_view text);

}  // namespace eventmart
