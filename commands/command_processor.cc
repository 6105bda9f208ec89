#include "commands/command_processor.h"

#include <malloc.h>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "commands/command_errors.h"
#include "eventstore/codec.h"
#include "eventstore/scan_events.h"
#include "eventstore/coding.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

constexpr std::string_view kKeyPrefix = "idem/";

// payload := bytes request bytes rendering
std::string EncodeIdempotencyPayload(std::string_view request, std::string_view rendering) {
  std::string out;
  coding::PutBytes(&out, request);
  coding::PutBytes(&out, rendering);
  return out;
}

bool DecodeIdempotencyPayload(std::string_view payload, std::string_view* request,
                              std::string_view* rendering) {
  coding::Reader in(payload);
  return in.Bytes(request) && in.Bytes(rendering) && in.empty();
}

// The order a command names, if it names one (the order may have left memory).
std::optional<OrderId> OrderNamedBy(const Command& command) {
  if (const auto* pay = std::get_if<PayOrder>(&command)) return pay->order_id;
  if (const auto* cancel = std::get_if<CancelOrder>(&command)) return cancel->order_id;
  return std::nullopt;
}

}  // namespace

CommandProcessor::CommandProcessor(EventStore& store, const Clock& clock, CommandProcessorOptions options,
                                   const SnapshotFiles* snapshots)
    : store_(store), clock_(clock), options_(options), snapshots_(snapshots) {}

CommandProcessor::~CommandProcessor() { Stop(); }

Result<StartInfo> CommandProcessor::Load(const std::function<void(std::uint64_t)>& progress) {
  auto started = std::chrono::steady_clock::now();
  StartInfo info;
  {
    std::optional<PreloadedSnapshot> preloaded;
    if (preloaded_.valid()) preloaded = preloaded_.get();
    auto loaded = LoadWriteModel(store_, snapshots_, store_.LastPosition(), progress,
                                 preloaded ? &*preloaded : nullptr);
    if (!loaded) return Fail(loaded.error());
    model_ = std::move(loaded->model);
    info = StartInfo{.position = loaded->position,
                     .snapshot = {.exists = loaded->snapshot_position > 0,
                                  .position = loaded->snapshot_position,
                                  .written_at_ms = loaded->snapshot_written_at_ms,
                                  .bytes = loaded->snapshot_bytes},
                     .tail_events = loaded->tail_events,
                     .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
  }
  // The snapshot's bytes and the decoder's scratch are freed: hand their
  // pages back instead of keeping them resident for the process's life.
  malloc_trim(0);
  PublishCounts();
  return info;
}

Result<StartInfo> CommandProcessor::Start(const std::function<void(std::uint64_t)>& progress) {
  auto info = Load(progress);
  if (!info) return info;
  StartDeciding();
  return info;
}

Result<StartInfo> CommandProcessor::StartFrom(Aggregates model, GlobalPosition position) {
  if (position != store_.LastPosition()) {
    return Fail(StoreErrc::kOutOfSequence, "the model is folded up to position " + std::to_string(position) +
                                               ", the log ends at " + std::to_string(store_.LastPosition()));
  }
  model_ = std::move(model);
  model_.EvictFinished();
  PublishCounts();
  StartDeciding();
  return StartInfo{.position = position};
}

void CommandProcessor::StartDeciding() {
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  ready_.store(true, std::memory_order_release);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-decider");
    Run();
  });
}

void CommandProcessor::StartInBackground(std::function<void(Result<StartInfo>)> loaded,
                                         std::function<void(std::uint64_t)> progress) {
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  thread_ = std::thread([this, loaded = std::move(loaded), progress = std::move(progress)] {
    pthread_setname_np(pthread_self(), "em-decider");
    auto info = Load(progress);
    if (!info) {
      FailQueued(info.error());
      loaded(info);
      return;
    }
    ready_.store(true, std::memory_order_release);
    loaded(info);
    Run();
  });
}

void CommandProcessor::FailQueued(const Error& cause) {
  std::vector<Pending> rejected;
  {
    std::lock_guard lock(mu_);
    running_ = false;
    rejected.swap(queue_);
    queue_depth_.store(0, std::memory_order_relaxed);
  }
  for (auto& item : rejected) {
    item.done({Fail(CommandErrc::kStoreUnavailable, "the state could not be loaded: " + cause.Describe()),
               std::nullopt});
  }
}

AggregateCounts CommandProcessor::counts() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

void CommandProcessor::PublishCounts() {
  AggregateCounts counts = model_.Counts();
  std::lock_guard lock(counts_mu_);
  counts_ = counts;
}

void CommandProcessor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CommandProcessor::Submit(Command command, std::optional<Idempotency> idempotency,
                              Renderer render, DoneCallback done) {
  bool overloaded = false;
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_ && queue_.size() < options_.max_queue) {
      std::optional<std::chrono::steady_clock::time_point> loading;
      if (!ready()) loading = std::chrono::steady_clock::now();
      queue_.push_back({std::move(command), std::move(idempotency), std::move(render), std::move(done), loading});
      queue_depth_.store(queue_.size(), std::memory_order_relaxed);
      if (queue_.size() == 1) cv_.notify_one();
      return;
    }
    overloaded = running_ && !stopping_;
  }
  done({Fail(overloaded ? CommandErrc::kOverloaded : CommandErrc::kStoreUnavailable,
             overloaded ? "command queue is full" : "not accepting commands"),
        std::nullopt});
}

void CommandProcessor::Run() {
  std::vector<Pending> batch;
  for (;;) {
    ExpireDueOrders();
    DecideWaitingRoom();  // at start: requests left pending by a crash
    {
      std::unique_lock lock(mu_);
      auto wait = options_.expiry_poll;
      if (auto next = model_.NextDeadline()) {
        wait = std::clamp(std::chrono::milliseconds(*next - clock_.NowMs()), std::chrono::milliseconds(0), wait);
      }
      cv_.wait_for(lock, wait, [&] { return !queue_.empty() || stopping_ || wake_; });
      wake_ = false;
      if (queue_.empty() && stopping_) {
        running_ = false;
        return;
      }
      batch.swap(queue_);
      queue_depth_.store(0, std::memory_order_relaxed);
    }
    for (auto& item : batch) {
      Process(item);
      DecideWaitingRoom();  // a request is decided right after it is recorded: arrival order
    }
    batch.clear();
    model_.EvictFinished();
    PublishCounts();
  }
}

void CommandProcessor::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void CommandProcessor::ExpireDueOrders() {
  for (OrderId id : model_.DueOrders(clock_.NowMs())) {
    Pending expiry{ExpireOrder{id}, std::nullopt, nullptr, [](Outcome) {}};
    Process(expiry);
  }
}

void CommandProcessor::Process(Pending& item) {
  if (item.queued_while_loading &&
      std::chrono::steady_clock::now() - *item.queued_while_loading > options_.ready_wait) {
    item.done({Fail(CommandErrc::kNotReady, "the state took too long to load; retry"), std::nullopt});
    return;
  }
  if (item.idempotency && ReplayIfKnown(item)) return;
  if (auto order = OrderNamedBy(item.command)) {
    if (auto restored = RestoreOrder(*order); !restored) {
      spdlog::error("cannot read order {} back from its stream: {}", *order, restored.error().Describe());
      item.done({Fail(CommandErrc::kStoreUnavailable, restored.error().Describe()), std::nullopt});
      return;
    }
  }
  DecideContext context{.now_ms = clock_.NowMs(), .max_balance = options_.max_balance,
                        .order_ttl_ms = options_.order_ttl_ms};
  Commit(item, Decide(model_, item.command, context));
}

void CommandProcessor::WaitForAnswers() {
  auto& answered = in_flight_->answered;
  for (auto seen = answered.load(std::memory_order_acquire); seen < appends_sent_;
       seen = answered.load(std::memory_order_acquire)) {
    answered.wait(seen, std::memory_order_acquire);
  }
}

Result<void> CommandProcessor::RestoreOrder(OrderId id) {
  if (id <= 0 || id > model_.last_ids().order || model_.FindOrder(id) != nullptr) return {};
  // The order left memory when it closed; the event that closed it may not
  // be durable yet, and the stream must be read with it.
  WaitForAnswers();
  auto recorded = store_.ReadStream(StreamName(OrderStream::kCategory, id), 1, ~std::size_t{0});
  if (!recorded) return Fail(recorded.error());
  if (recorded->empty()) return {};
  Versioned<OrderState> order;
  for (const auto& r : *recorded) {
    auto event = DecodeEvent(r.record.type, r.record.schema_version, r.record.body);
    if (!event) return Fail(event.error());
    std::visit(
        [&](const auto& e) {
          if constexpr (std::is_same_v<typename std::decay_t<decltype(e)>::Stream, OrderStream>) {
            eventmart::Evolve(order.state, e);
          }
        },
        *event);
    order.version = r.version;
  }
  model_.Restore(id, std::move(order));
  return {};
}

// Answers a repeat of a known idempotency key; false if the key is new.
bool CommandProcessor::ReplayIfKnown(Pending& item) {
  const Idempotency& idem = *item.idempotency;
  {
    // Checked before the store: a key leaves this set only after its record
    // is durable, so between the two checks nothing can slip through.
    std::lock_guard lock(in_flight_->keys_mu);
    if (in_flight_->keys.contains(idem.key)) {
      item.done({Fail(CommandErrc::kRequestInProgress), std::nullopt});
      return true;
    }
  }
  auto found = store_.FindCommand(std::string(kKeyPrefix) + idem.key);
  if (!found) {
    item.done({Fail(CommandErrc::kStoreUnavailable, found.error().Describe()), std::nullopt});
    return true;
  }
  if (!*found) return false;
  std::string_view request, rendering;
  if (!DecodeIdempotencyPayload((*found)->command_payload, &request, &rendering)) {
    // The answer is a bare 500: the cause is for the operator, here.
    spdlog::error("idempotency key '{}': its stored record is corrupt ({} bytes that do not decode as a request "
                  "and its response); answering 500",
                  idem.key, (*found)->command_payload.size());
    item.done({Fail(StoreErrc::kCorruption, "idempotency record of key '" + idem.key + "'"), std::nullopt});
  } else if (request != idem.request) {
    item.done({Fail(CommandErrc::kIdempotencyKeyReused), std::nullopt});
  } else {
    item.done({Fail(CommandErrc::kRequestInProgress), std::string(rendering)});  // reply unused
  }
  return true;
}

// One StreamAppend per stream, in order of first appearance. Expected
// versions are read before any of the decision's events are applied.
AppendRequest CommandProcessor::ToAppend(const Events& events, const std::string& correlation_id,
                                         std::string_view causation_id) {
  AppendRequest request;
  std::vector<std::size_t> slot_of;  // event index -> streams index
  for (const auto& event : events) {
    std::string stream = StreamOf(event);
    std::size_t slot = 0;
    while (slot < request.streams.size() && request.streams[slot].stream != stream) ++slot;
    if (slot == request.streams.size()) {
      request.streams.push_back({.stream = std::move(stream),
                                 .expected = ExpectedVersion::Exactly(model_.VersionOf(event)),
                                 .events = {}});
    }
    slot_of.push_back(slot);
  }
  TimeMs now = clock_.NowMs();
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& append = request.streams[slot_of[i]];
    append.events.push_back(EncodeEvent(events[i], {.id = NewEventId(now), .occurred_at_ms = now,
                                                    .correlation_id = correlation_id,
                                                    .causation_id = std::string(causation_id)}));
    model_.Evolve(events[i], append.expected.value() + append.events.size());
  }
  return request;
}

void CommandProcessor::Commit(Pending& item, Result<Events> decided) {
  AppendRequest request;
  std::string correlation = item.idempotency ? item.idempotency->key : std::string();
  if (decided) request = ToAppend(*decided, correlation, CommandName(item.command));
  // Built from the state that now includes the decision.
  Result<Reply> reply = decided ? Result<Reply>(ReplyTo(item.command, *decided, model_)) : Fail(decided.error());
  std::string key;
  if (item.idempotency) {
    key = item.idempotency->key;
    request.command_id = std::string(kKeyPrefix) + key;
    request.command_payload = EncodeIdempotencyPayload(item.idempotency->request, item.render(reply));
    std::lock_guard lock(in_flight_->keys_mu);
    in_flight_->keys.insert(key);
  }
  // Even a rejection goes through the committer, as an empty append: its
  // answer may rest on state that is not durable yet, so it waits its turn.
  ++appends_sent_;
  // The callback holds in_flight_, never `this`: it may run after the processor is gone.
  store_.AppendAsync(std::move(request), [in_flight = in_flight_, key = std::move(key), reply = std::move(reply),
                                          done = std::move(item.done)](Result<AppendResult> r) mutable {
    // An atomic, not a lock, on the committer's path: only the rare read-back waits.
    in_flight->answered.fetch_add(1, std::memory_order_release);
    in_flight->answered.notify_all();
    if (!key.empty()) {
      std::lock_guard lock(in_flight->keys_mu);
      in_flight->keys.erase(key);
    }
    if (!r) {
      done({Fail(CommandErrc::kStoreUnavailable, r.error().Describe()), std::nullopt});
      return;
    }
    done({std::move(reply), std::nullopt});
  });
}

}  // namespace eventmart
