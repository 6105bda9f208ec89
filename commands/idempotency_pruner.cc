#include "commands/idempotency_pruner.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace eventmart {

IdempotencyPruner::IdempotencyPruner(RocksEventStore& store, const Clock& clock, std::chrono::milliseconds retention)
    : store_(store),
      clock_(clock),
      retention_(retention),
      interval_(std::clamp<std::chrono::milliseconds>(retention / 10, std::chrono::seconds(1), std::chrono::minutes(1))) {}

IdempotencyPruner::~IdempotencyPruner() { Stop(); }

void IdempotencyPruner::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-idem-prune");
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, interval_, [&] { return stopping_; })) return;
      }
      if (auto pruned = PruneNow(); !pruned) {
        spdlog::error("idempotency records: pruning failed (retried in {} s): {}",
                      std::chrono::duration_cast<std::chrono::seconds>(interval_).count(), pruned.error().Describe());
      } else if (*pruned > 0) {
        spdlog::info("idempotency records: pruned {} older than {} s", *pruned,
                     std::chrono::duration_cast<std::chrono::seconds>(retention_).count());
      }
    }
  });
}

void IdempotencyPruner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::uint64_t> IdempotencyPruner::PruneNow() {
  std::int64_t cut = clock_.NowMs() - retention_.count();
  std::uint64_t total = 0;
  for (;;) {  // the store prunes a bounded batch per call
    auto pruned = store_.PruneCommands(cut);
    if (!pruned) return Fail(pruned.error());
    total += *pruned;
    pruned_.fetch_add(*pruned, std::memory_order_relaxed);
    if (*pruned < RocksEventStore::kPruneBatch) return total;
  }
}

}  // namespace eventmart
