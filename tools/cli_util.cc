#include "tools/cli_util.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace eventmart::cli {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0 || end == text.data()) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s" || unit.empty()) scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else return std::nullopt;
  if (value > INT64_MAX / scale) return std::nullopt;
  return std::chrono::milliseconds(value * scale);
}

std::optional<HostPort> ParseHostPort(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  std::string_view digits = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) return std::nullopt;
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return HostPort{host, static_cast<std::uint16_t>(port)};
}

ProgressLine::ProgressLine(std::string label, std::string unit) : label_(std::move(label)), unit_(std::move(unit)) {}

void ProgressLine::Update(std::uint64_t at, std::uint64_t end, double share, std::uint64_t counted, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  share = std::clamp(share, 0.0, 1.0);
  double eta = share > 0 ? seconds * (1 - share) / share : 0;
  std::fprintf(stderr, "%s %llu of %llu (%.0f%%), %.0f %s/s, ETA %.0fs\n", label_.c_str(),
               static_cast<unsigned long long>(at), static_cast<unsigned long long>(end), share * 100,
               static_cast<double>(counted) / std::max(seconds, 1e-3), unit_.c_str(), eta);
}

}  // namespace eventmart::cli
