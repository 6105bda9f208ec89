// eventmart load: fills a store with a realistic history, fast, through the
// command processor (so every event is a real decision): users with points,
// products with options, coupons issued first come first served, and
// orders that are paid at once, paid later, cancelled, or left to expire.
// Time is a manual clock walking up to now through at most the last --days
// days (less when that would make orders outlive their follow-ups), so
// events carry spread-out times and unpaid orders really expire.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <vector>

#include "commands/command_processor.h"
#include "commands/write_model_snapshots.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/bulk_rebuild.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

class Loader {
 public:
  Loader(CommandProcessor& processor, const LoadOptions& o) : processor_(processor), o_(o), rng_(o.seed) {}

  // Submits with at most --in-flight commands outstanding; `then` runs on
  // acknowledgement (on the committer thread) and may submit follow-ups.
  void Submit(Command command, std::function<void(const Result<Reply>&)> then = nullptr) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return in_flight_ < o_.in_flight; });
      ++in_flight_;
    }
    SubmitNow(std::move(command), std::move(then));
  }

  void Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }

  // In-stock options of every product, learnt from the creation replies.
  std::vector<std::pair<ProductId, OptionId>> sellable;
  std::mutex sellable_mu;

  std::uint64_t failures() const { return failures_.load(); }
  std::uint64_t done() const { return done_.load(); }
  std::mt19937_64& rng() { return rng_; }

 private:
  void SubmitNow(Command command, std::function<void(const Result<Reply>&)> then) {
    processor_.Submit(std::move(command), std::nullopt, nullptr, [this, then = std::move(then)](Outcome outcome) {
      if (!outcome.reply) ++failures_;
      if (then) then(outcome.reply);
      ++done_;
      std::lock_guard lock(mu_);
      if (--in_flight_ < o_.in_flight) cv_.notify_all();
    });
  }

 public:
  // A follow-up from inside a callback: never blocks the committer thread.
  void FollowUp(Command command, std::function<void(const Result<Reply>&)> then = nullptr) {
    {
      std::lock_guard lock(mu_);
      ++in_flight_;
    }
    SubmitNow(std::move(command), std::move(then));
  }

 private:
  CommandProcessor& processor_;
  const LoadOptions& o_;
  std::mt19937_64 rng_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t in_flight_ = 0;
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> done_{0};
};


std::int64_t Uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

void LoadUsers(Loader& loader, const LoadOptions& o) {
  ProgressLine progress("load: users", "commands");
  for (std::int64_t i = 0; i < o.users; ++i) {
    loader.Submit(RegisterUser{"user" + std::to_string(i + 1)}, [&loader](const Result<Reply>& r) {
      if (r) loader.FollowUp(ChargePoints{std::get<UserReply>(*r).user_id, kDefaultMaxBalance});
    });
    auto done = static_cast<std::uint64_t>(i + 1), total = static_cast<std::uint64_t>(o.users);
    progress.Update(done, total, static_cast<double>(done) / static_cast<double>(total), loader.done(), done == total);
  }
  loader.Drain();
}

void LoadCatalog(Loader& loader, const LoadOptions& o) {
  for (std::int64_t i = 0; i < o.products; ++i) {
    NewProduct product{"product " + std::to_string(i + 1), {}};
    std::int64_t options = Uniform(loader.rng(), 1, 3);
    for (std::int64_t k = 0; k < options; ++k) {
      product.options.push_back({"option " + std::to_string(k + 1), Uniform(loader.rng(), 10, 1000) * 100,
                                 Uniform(loader.rng(), 0, 9) == 0 ? 0 : kMaxStock / 2});
    }
    loader.Submit(CreateProduct{std::move(product)}, [&loader](const Result<Reply>& r) {
      if (!r) return;
      const auto& view = std::get<ProductView>(*r);
      std::lock_guard lock(loader.sellable_mu);
      for (const auto& option : view.options) {
        if (option.stock > 0) loader.sellable.emplace_back(view.product_id, option.option_id);
      }
    });
  }
  std::int64_t coupons = std::max<std::int64_t>(1, o.products / 100);
  for (std::int64_t i = 0; i < coupons; ++i) {
    bool fixed = i % 2 == 0;
    loader.Submit(CreateCoupon{{"coupon " + std::to_string(i + 1), fixed ? DiscountType::kFixed : DiscountType::kRate,
                                fixed ? 1000 : 10, std::max<std::int64_t>(1, o.users / 4), 0}});
  }
  loader.Drain();
  for (std::int64_t u = 1; u <= o.users; u += 3) loader.Submit(IssueCoupon{Uniform(loader.rng(), 1, coupons), u});
  loader.Drain();
}

PlaceOrder RandomOrder(std::mt19937_64& rng, const LoadOptions& o,
                       const std::vector<std::pair<ProductId, OptionId>>& sellable) {
  PlaceOrder order{.user_id = Uniform(rng, 1, o.users), .items = {}, .coupon_id = std::nullopt, .pay = false};
  std::int64_t lines = Uniform(rng, 1, 3);
  auto last = static_cast<std::int64_t>(sellable.size()) - 1;
  for (std::int64_t k = 0; k < lines; ++k) {
    // A skewed catalog: a few products sell far more than the rest.
    auto [product, option] = sellable[static_cast<std::size_t>(std::min(Uniform(rng, 0, last), Uniform(rng, 0, last)))];
    bool repeated = false;
    for (const auto& item : order.items) repeated = repeated || item.option_id == option;
    if (!repeated) order.items.push_back({.product_id = product, .option_id = option, .quantity = Uniform(rng, 1, 3)});
  }
  return order;
}

void LoadOrders(Loader& loader, const LoadOptions& o, ManualClock& clock, TimeMs end_ms) {
  if (loader.sellable.empty()) return;
  ProgressLine progress("load: orders", "commands");
  // Follow-ups (pay later, cancel) are decided up to --in-flight orders
  // after their order; the clock must not pass the order TTL meanwhile.
  TimeMs ttl_safe_step = 5 * 60 * 1000 / (2 * o.in_flight);
  TimeMs step = std::clamp<TimeMs>(o.days * 24 * 3600 * 1000 / std::max<std::int64_t>(o.orders, 1), 1, ttl_safe_step);
  clock.Set(end_ms - step * o.orders);
  for (std::int64_t i = 0; i < o.orders; ++i) {
    PlaceOrder order = RandomOrder(loader.rng(), o, loader.sellable);
    std::int64_t fate = Uniform(loader.rng(), 1, 100);
    order.pay = fate <= 70;
    UserId user = order.user_id;
    loader.Submit(std::move(order), [&loader, fate, user](const Result<Reply>& r) {
      if (!r || fate <= 70) return;
      OrderId id = std::get<OrderView>(*r).order_id;
      if (fate <= 85) loader.FollowUp(PayOrder{id, user});
      else if (fate <= 95) loader.FollowUp(CancelOrder{id, user});
      // the rest stay unpaid and expire
    });
    clock.Set(std::min(end_ms, clock.NowMs() + step));
    auto done = static_cast<std::uint64_t>(i + 1), total = static_cast<std::uint64_t>(o.orders);
    progress.Update(done, total, static_cast<double>(done) / static_cast<double>(total), loader.done(), done == total);
  }
  loader.Drain();
}

// Builds every read model (the bulk path) and takes a write-model snapshot.
bool FinishStore(RocksEventStore& store, const std::string& data_dir, const Clock& clock) {
  auto start = SteadyClock::now();
  auto views = ReadModelStore::Open(data_dir + "/views");
  if (!views) {
    std::fprintf(stderr, "eventmart load: %s\n", views.error().Describe().c_str());
    return false;
  }
  auto rebuilt = BulkRebuild(store, **views, AllProjections(std::make_shared<SalesRanking>(), clock.NowMs()), {});
  if (!rebuilt) {
    std::fprintf(stderr, "eventmart load: read models: %s\n", rebuilt.error().Describe().c_str());
    return false;
  }
  double views_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  SnapshotFiles files(data_dir + "/snapshots");
  auto snapshot = Snapshotter(store, files, clock, {}).TakeNow();
  if (!snapshot) {
    std::fprintf(stderr, "eventmart load: write-model snapshot: %s\n", snapshot.error().Describe().c_str());
    return false;
  }
  std::printf("read models built in %.1f s; write-model snapshot at %llu (%llu bytes) in %.1f s\n", views_seconds,
              static_cast<unsigned long long>(snapshot->position), static_cast<unsigned long long>(snapshot->bytes),
              snapshot->last_write_seconds);
  return true;
}

}  // namespace

int Load(const LoadOptions& o) {
  if (o.users < 1 || o.products < 1 || o.orders < 0 || o.days < 1 || o.in_flight < 1) {
    std::fprintf(stderr, "eventmart load: --users, --products, --days and --in-flight must be >= 1\n");
    return kExitUsage;
  }
  auto store = RocksEventStore::Open(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart load: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  if ((*store)->LastPosition() != 0) {
    std::fprintf(stderr, "eventmart load: %s already holds events; load fills new stores only\n", o.data_dir.c_str());
    return kExitFailure;
  }
  TimeMs now = SystemClock().NowMs();
  ManualClock clock(now - o.days * 24 * 3600 * 1000);
  CommandProcessor processor(**store, clock, {});
  if (auto started = processor.Start(); !started) return kExitFailure;
  Loader loader(processor, o);
  auto start = SteadyClock::now();
  LoadUsers(loader, o);
  LoadCatalog(loader, o);
  LoadOrders(loader, o, clock, now);
  clock.Set(now);
  processor.Wake();
  processor.Stop();
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::printf("events=%llu commands=%llu rejected=%llu seconds=%.1f\n",
              static_cast<unsigned long long>((*store)->LastPosition()), static_cast<unsigned long long>(loader.done()),
              static_cast<unsigned long long>(loader.failures()), seconds);
  std::fflush(stdout);
  // The first `serve` after a load starts like any other: read models and
  // a write-model snapshot are already there.
  return FinishStore(**store, o.data_dir, clock) ? kExitOk : kExitFailure;
}

}  // namespace eventmart::cli
