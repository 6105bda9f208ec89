// eventstore/histogram.h
// A fixed-bucket histogram and counters for /metrics, safe to update from
// any thread without locks (relaxed atomics: totals, not orderings).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace eventmart {

template <std::size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(std::array<double, N> bounds) : bounds_(bounds) {}

  void Observe(double value) {
    std::size_t i = 0;
    while (i < N && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    // Sum in micro-units, so it stays an integer atomic.
    sum_micro_.fetch_add(static_cast<std::uint64_t>(value * 1e6), std::memory_order_relaxed);
  }

  // Prometheus text: NAME_bucket{LABELS,le=...}, NAME_sum, NAME_count.
  void Render(const std::string& name, const std::string& labels, std::string* out) const {
    std::uint64_t cumulative = 0;
    std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i <= N; ++i) {
      cumulative += buckets_[i].load(std::memory_order_relaxed);
      std::string le = i < N ? Number(bounds_[i]) : "+Inf";
      *out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    std::string braces = labels.empty() ? "" : "{" + labels + "}";
    *out += name + "_sum" + braces + " " + Number(static_cast<double>(sum_micro_.load()) / 1e6) + "\n";
    *out += name + "_count" + braces + " " + std::to_string(count_.load()) + "\n";
  }

 private:
  static std::string Number(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::array<double, N> bounds_;
  std::array<std::atomic<std::uint64_t>, N + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};
};

inline constexpr std::array<double, 12> kLatencyBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                          0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
inline constexpr std::array<double, 10> kSizeBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};

// What the committer measures.
struct StoreMetrics {
  Histogram<12> commit_seconds{kLatencyBounds};  // one WriteBatch write + fsync
  Histogram<10> group_appends{kSizeBounds};      // appends sharing that fsync
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> rejected{0};        // version conflicts and bad requests
};

}  // namespace eventmart
