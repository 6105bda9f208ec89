// eventmart bench best: the best-seller query, server-side. Folds sales of
// --products products spread over the last four days into the best sellers'
// read model (RocksDB in memory), then times --queries calls of
// Top(now, 3 days, 5), now moving on a little with each (so each query also
// takes out what aged out of the window since the one before).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "eventstore/codec.h"
#include "projections/best_seller_projection.h"
#include "projections/read_model_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

namespace {

int Failed(const char* what, const Error& error) {
  std::fprintf(stderr, "eventmart bench best: %s: %s\n", what, error.Describe().c_str());
  return kExitFailure;
}

}  // namespace

int BenchBest(const BenchBestOptions& o) {
  if (o.products < 1 || o.sales < 1 || o.queries < 1) {
    std::fprintf(stderr, "eventmart bench best: --products, --sales and --queries must be >= 1\n");
    return kExitUsage;
  }
  auto views = ReadModelStore::OpenInMemory();
  if (!views) return Failed("open an in-memory read-model store", views.error());
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, 0);
  std::mt19937_64 rng(42);
  TimeMs now = 1'790'000'000'000;
  TimeMs start = now - 4 * kDayMs;  // a day of sales falls out of the 3-day window
  constexpr std::int64_t kBatch = 4096;
  for (std::int64_t i = 0; i < o.sales; i += kBatch) {
    PendingChanges batch;
    ReadModelWriter writer(batch, (*views)->db(), (*views)->SlotOf(BestSellerProjection::kName));
    for (std::int64_t k = i; k < std::min(o.sales, i + kBatch); ++k) {
      TimeMs at = start + k * (4 * kDayMs) / o.sales;
      // A skewed catalog: low ids sell more, as real best sellers do.
      auto product = static_cast<ProductId>(1 + std::min<std::uint64_t>(rng() % o.products, rng() % o.products));
      OrderLine line{.product_id = product, .option_id = OptionId(product.value()),
                     .quantity = 1 + static_cast<Quantity>(rng() % 3)};
      OrderPaid paid{.order_id = k + 1, .lines = {line}, .paid_at_ms = at};
      RecordedEventView view{.position = static_cast<GlobalPosition>(k + 1), .type = OrderPaid::kType};
      if (auto applied = projection.Apply(view, paid, writer); !applied) return Failed("fold a sale", applied.error());
    }
    if (auto written = (*views)->Write(batch); !written) return Failed("write a batch of sales", written.error());
    projection.Committed();
  }
  auto reader = (*views)->Reader(BestSellerProjection::kName);
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(o.queries));
  std::size_t returned = 0;
  for (std::int64_t q = 0; q < o.queries; ++q) {
    auto t0 = std::chrono::steady_clock::now();
    auto top = ranking->Top(reader, now + q, 3, 5);  // time moves a little with every query
    if (!top) return Failed("query the ranking", top.error());
    returned += top->size();
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
