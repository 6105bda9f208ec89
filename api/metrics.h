// api/metrics.h
// Counters and latency histograms for GET /metrics (Prometheus text):
// requests by route and status, commands by outcome. Gauges (log head,
// projections, connections) are read when rendering. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "eventstore/histogram.h"

namespace eventmart {

// One unlabelled series with its HELP and TYPE lines ("gauge" or "counter").
void AppendMetric(std::string* out, std::string_view name, std::string_view type, std::string_view help, double value);

class Metrics {
 public:
  void ObserveRequest(std::string_view route, int status, double seconds);
  void CountCommand(std::string_view command, int status);
  void Render(std::string* out) const;

 private:
  struct Route {
    Histogram<12> seconds{kLatencyBounds};
    std::map<int, std::uint64_t> by_status;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Route>, std::less<>> routes_;
  std::map<std::pair<std::string, int>, std::uint64_t> commands_;
};

}  // namespace eventmart
