// commands/command_processor.h
// The single writer. Every command is decided, one after another, on one
// thread, by domain/decide.h against the in-memory state (domain/aggregates.h);
// the resulting events go to the
// event store's group committer, and the caller hears back only after they
// are durable. Deciding in sequence means no lost updates and no conflict
// retries, however hot an aggregate (one coupon, thousands of buyers);
// batching the fsync is what makes it fast.
//
// Unpaid orders expire here too: between batches the decider expires every
// order whose deadline has passed (deadlines live in the log, so orders that
// came due while the server was down expire right after it starts). Expiry
// and payment are decided on the same thread, so exactly one of them wins.
//
// The model is updated as soon as a command is decided, before its events
// are durable, so the next command sees it. That is safe because commits
// happen in decision order and every reply, rejections included, waits for
// the commit of everything decided before it. If a commit fails, the store
// poisons itself and the process must restart (the model is then rebuilt
// from what is actually in the log).
//
// Start-up loads the newest write-model snapshot and folds only the log
// after it (write_model_snapshots.h). StartInBackground lets the server
// listen at once: commands that arrive while the state loads wait in the
// queue and are decided once it is loaded, or answer kNotReady if that takes
// longer than `ready_wait`.
//
// Memory holds the live state only: orders that are paid, cancelled or
// expired leave the model after each batch, and one is read back from its
// stream when a command names it, so paying a paid order still answers
// ORDER_NOT_PAYABLE and a stranger's order still 403.
//
// Thread safety: Submit() may be called from any thread; `done` runs on the
// store's committer thread (or the decider's, for fast rejections): post
// real work elsewhere.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "commands/clock.h"
#include "commands/replies.h"
#include "commands/write_model_snapshots.h"
#include "domain/aggregates.h"
#include "domain/commands.h"
#include "domain/decide.h"
#include "eventstore/event_store.h"

namespace eventmart {

// An idempotency key and the exact request it came with (method, path and
// body), so that a reuse with another request can be told apart.
struct Idempotency {
  std::string key;
  std::string request;
};

struct Outcome {
  Result<Reply> reply;                  // the decision made now (unused when replayed)
  std::optional<std::string> replayed;  // set on a repeat: the first attempt's rendering
};

// Renders a decision to the bytes that a repeat of the request gets back.
using Renderer = std::function<std::string(const Result<Reply>&)>;
using DoneCallback = std::function<void(Outcome)>;

struct CommandProcessorOptions {
  Money max_balance = kDefaultMaxBalance;
  TimeMs order_ttl_ms = 5 * 60 * 1000;
  std::size_t max_queue = 200'000;  // beyond this, kOverloaded
  // How often the decider looks at the clock for due orders when idle (a
  // ManualClock in tests moves without waking anyone).
  std::chrono::milliseconds expiry_poll{100};
  // How long a command that arrived while the state was loading may wait.
  std::chrono::milliseconds ready_wait{5000};
};

// How the state was loaded at start.
struct StartInfo {
  GlobalPosition position = 0;  // the log's end when loaded
  SnapshotStatus snapshot;      // the one used (exists == false: none, position 0)
  std::uint64_t tail_events = 0;
  double seconds = 0;
};

class CommandProcessor {
 public:
  // `snapshots` may be null: the whole log is folded at start.
  CommandProcessor(EventStore& store, const Clock& clock, CommandProcessorOptions options,
                   const SnapshotFiles* snapshots = nullptr);
  ~CommandProcessor();

  // Loads the state (snapshot and log), then starts deciding.
  [[nodiscard]] Result<StartInfo> Start(const std::function<void(std::uint64_t)>& progress = {});
  // Starts deciding from `model`, already folded from the log up to
  // `position` (a promoted cluster follower's hot model): nothing is loaded.
  // kOutOfSequence unless `position` is the log's end.
  [[nodiscard]] Result<StartInfo> StartFrom(Aggregates model, GlobalPosition position);
  // Accepts commands at once and loads the state on the decider thread;
  // `loaded` is told the outcome there. On failure the queued commands
  // answer kStoreUnavailable and no more are accepted.
  void StartInBackground(std::function<void(Result<StartInfo>)> loaded,
                         std::function<void(std::uint64_t)> progress = {});
  // The snapshot the next load starts from, being read ahead
  // (PreloadSnapshot): the load waits for it on the decider's thread.
  void UsePreloaded(std::future<PreloadedSnapshot> snapshot) { preloaded_ = std::move(snapshot); }
  // The state is loaded and commands are being decided.
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // The write model's size after the last batch.
  AggregateCounts counts() const;

  // Decides every queued command, then stops. Later Submits fail.
  void Stop();

  // `render` is used only when `idempotency` is set.
  void Submit(Command command, std::optional<Idempotency> idempotency, Renderer render,
              DoneCallback done);

  std::size_t queue_depth() const { return queue_depth_.load(std::memory_order_relaxed); }

  // Makes the decider look for due orders now (tests that move a ManualClock).
  void Wake();

 private:
  struct Pending {
    Command command;
    std::optional<Idempotency> idempotency;
    Renderer render;
    DoneCallback done;
    // Set for a client's command that arrived while the state was loading.
    std::optional<std::chrono::steady_clock::time_point> queued_while_loading{};
  };

  Result<StartInfo> Load(const std::function<void(std::uint64_t)>& progress);
  void StartDeciding();
  void FailQueued(const Error& cause);
  void PublishCounts();
  // Reads an order that left memory back from its stream (see above).
  Result<void> RestoreOrder(OrderId id);
  void Run();
  void ExpireDueOrders();
  void DecideWaitingRoom();  // commands/waiting_room.cc
  void Process(Pending& item);
  bool ReplayIfKnown(Pending& item);
  AppendRequest ToAppend(const Events& events, const std::string& correlation_id, std::string_view causation_id);
  void Commit(Pending& item, Result<Events> decided);

  EventStore& store_;
  const Clock& clock_;
  CommandProcessorOptions options_;
  const SnapshotFiles* snapshots_;
  Aggregates model_;  // decider thread only (and Start, before it runs)
  std::future<PreloadedSnapshot> preloaded_;  // used by the next Load
  std::atomic<bool> ready_{false};

  // Appends handed to the store, and those it has answered (in order). An
  // order is read back from its stream only once every earlier append is
  // answered: its closing event may still be on its way to the disk.
  std::uint64_t appends_sent_ = 0;  // decider thread only
  void WaitForAnswers();

  // What the store's answer to an append touches. Shared with the answer's
  // callback, which runs on the committer's thread and may run after this
  // processor is gone (destroyed while appends were in flight).
  struct InFlight {
    std::atomic<std::uint64_t> answered{0};
    std::mutex keys_mu;
    std::unordered_set<std::string> keys;  // idempotency keys being appended
  };
  std::shared_ptr<InFlight> in_flight_ = std::make_shared<InFlight>();

  mutable std::mutex counts_mu_;
  AggregateCounts counts_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  bool running_ = false;
  bool wake_ = false;
  std::atomic<std::size_t> queue_depth_{0};
  std::thread thread_;
};

}  // namespace eventmart
