// eventmart bench append: durable appends of ~200-byte events from W
// concurrent writers. Each writer keeps one append outstanding and sends
// the next when the previous is acknowledged (durable), as an HTTP session
// does. --blocking uses W OS threads calling the blocking Append instead.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "eventstore/rocks_event_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

using Clock = std::chrono::steady_clock;

class Bench {
 public:
  Bench(EventStore& store, const BenchAppendOptions& o) : store_(store), o_(o) {
    std::mt19937_64 rng(42);
    body_.resize(200);
    for (auto& c : body_) c = static_cast<char>('a' + rng() % 26);
    appends_total_ = (o.events + o.events_per_append - 1) / o.events_per_append;
    latencies_.reserve(appends_total_);
  }

  AppendRequest MakeAppend(int writer, StreamVersion version) {
    StreamAppend append{.stream = "bench-" + std::to_string(writer),
                        .expected = ExpectedVersion::Exactly(version),
                        .events = {}};
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    for (int i = 0; i < o_.events_per_append; ++i) {
      append.events.push_back({.id = NewEventId(now), .type = "bench.Appended", .schema_version = 1,
                               .occurred_at_ms = now, .correlation_id = {}, .causation_id = {}, .body = body_});
    }
    AppendRequest request;
    request.streams.push_back(std::move(append));
    return request;
  }

  // Claims one append from the budget; false when the budget is spent.
  bool Claim() { return issued_.fetch_add(1) < appends_total_; }

  void Record(Clock::duration latency, bool ok) {
    std::lock_guard lock(mu_);
    latencies_.push_back(latency);
    if (!ok) ++errors_;
    if (++done_ == appends_total_) cv_.notify_all();
  }

  void StartAsyncWriter(int writer, StreamVersion version) {
    if (!Claim()) return;
    auto start = Clock::now();
    store_.AppendAsync(MakeAppend(writer, version), [this, writer, version, start](Result<AppendResult> r) {
      Record(Clock::now() - start, r.has_value());
      StartAsyncWriter(writer, r ? r->versions[0] : version);
    });
  }

  void RunBlockingWriter(int writer) {
    StreamVersion version = 0;
    while (Claim()) {
      auto start = Clock::now();
      auto r = store_.Append(MakeAppend(writer, version));
      Record(Clock::now() - start, r.has_value());
      if (r) version = r->versions[0];
    }
  }

  void WaitAll() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_ >= appends_total_; });
  }

  void Report(double seconds) {
    std::sort(latencies_.begin(), latencies_.end());
    auto pct = [&](double p) {
      auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_.size() - 1));
      return std::chrono::duration<double, std::micro>(latencies_[i]).count();
    };
    std::uint64_t events = appends_total_ * static_cast<std::uint64_t>(o_.events_per_append);
    std::printf("writers=%d events_per_append=%d mode=%s sync=%s\n", o_.writers, o_.events_per_append,
                o_.blocking ? "blocking-threads" : "async-writers", o_.no_sync ? "off" : "fsync");
    std::printf("events=%llu appends=%llu errors=%llu seconds=%.3f\n", static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(appends_total_), static_cast<unsigned long long>(errors_), seconds);
    std::printf("append_latency_us p50=%.0f p99=%.0f max=%.0f\n", pct(0.5), pct(0.99), pct(1.0));
    std::printf("events_per_sec=%.0f\n", static_cast<double>(events) / seconds);
  }

  std::uint64_t errors() const { return errors_; }

 private:
  EventStore& store_;
  const BenchAppendOptions& o_;
  std::string body_;
  std::uint64_t appends_total_ = 0;
  std::atomic<std::uint64_t> issued_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t done_ = 0;
  std::uint64_t errors_ = 0;
  std::vector<Clock::duration> latencies_;
};

}  // namespace

int BenchAppend(const BenchAppendOptions& o) {
  if (o.writers < 1 || o.events < 1 || o.events_per_append < 1) {
    std::fprintf(stderr, "eventmart bench append: --events, --writers and --events-per-append must be >= 1\n");
    return kExitUsage;
  }
  std::string dir = o.data_dir + "/events";
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "eventmart bench append: %s exists; point --data-dir at a new folder\n", dir.c_str());
    return kExitFailure;
  }
  auto store = RocksEventStore::Open(dir, {.sync = !o.no_sync});
  if (!store) {
    std::fprintf(stderr, "eventmart bench append: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  Bench bench(**store, o);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < o.writers; ++w) {
    if (o.blocking) {
      threads.emplace_back([&bench, w] { bench.RunBlockingWriter(w); });
    } else {
      bench.StartAsyncWriter(w, 0);
    }
  }
  bench.WaitAll();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& t : threads) t.join();
  bench.Report(seconds);
  return bench.errors() == 0 ? kExitOk : kExitFailure;
}

}  // namespace eventmart::cli
