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

// A progress line on stderr for long work, at most once a second:
//   "<label> <at> of <end> (P%), R <unit>/s, ETA Es"
class ProgressLine {
 public:
  ProgressLine(std::string label, std::string unit);
  // Reached `at` of `end`, `share` of the work (0..1); `counted` things so
  // far give the rate. `force` prints even within the second.
  void Update(std::uint64_t at, std::uint64_t end, double share, std::uint64_t counted, bool force = false);

 private:
  std::string label_, unit_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

}  // namespace eventmart::cli
