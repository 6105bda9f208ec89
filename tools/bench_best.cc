// eventmart bench best: the best-seller query, server-side. Fills a
// SalesRanking with sales of --products products spread over the last
// three days, then times --queries calls of Top(now, 3 days, 5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "projections/best_seller_projection.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int BenchBest(const BenchBestOptions& o) {
  if (o.products < 1 || o.sales < 1 || o.queries < 1) {
    std::fprintf(stderr, "eventmart bench best: --products, --sales and --queries must be >= 1\n");
    return kExitUsage;
  }
  SalesRanking ranking;
  std::mt19937_64 rng(42);
  TimeMs now = 1'790'000'000'000;
  TimeMs start = now - 4 * kDayMs;  // a day of sales falls out of the 3-day window
  for (std::int64_t i = 0; i < o.sales; ++i) {
    TimeMs at = start + static_cast<TimeMs>(i) * (4 * kDayMs) / o.sales;
    // A skewed catalog: low ids sell more, as real best sellers do.
    auto product = static_cast<ProductId>(1 + std::min<std::uint64_t>(rng() % o.products, rng() % o.products));
    ranking.Add(at, product, 1 + static_cast<Quantity>(rng() % 3));
  }
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(o.queries));
  std::size_t returned = 0;
  for (std::int64_t q = 0; q < o.queries; ++q) {
    auto t0 = std::chrono::steady_clock::now();
    returned += ranking.Top(now + q, 3, 5).size();  // time moves a little with every query
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<std::size_t>(p * static_cast<double>(micros.size() - 1))]; };
  std::printf("products=%lld sales=%lld queries=%lld returned=%zu\n", static_cast<long long>(o.products),
              static_cast<long long>(o.sales), static_cast<long long>(o.queries), returned);
  std::printf("top5_latency_us p50=%.2f p99=%.2f max=%.2f\n", pct(0.5), pct(0.99), pct(1.0));
  return kExitOk;
}

}  // namespace eventmart::cli
