// tools/cli_util.h
// Small helpers shared by the verbs: durations, HOST:PORT, exit codes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventmart::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // an error, or (verify) a broken invariant
inline constexpr int kExitUsage = 2;

// "500ms", "2s", "5m", "1h" (a bare number is seconds).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<HostPort> ParseHostPort(std::string_view text);

}  // namespace eventmart::cli
