// A follower's hot write model and a lagging member's copy from a peer, in
// process: the leader's committed batches are captured at the Replicator
// hook (as etcd would carry them), applied to follower stores, and folded
// as cluster_node.cc folds them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <future>
#include <random>
#include <set>

#include "cluster/replicated_fold.h"
#include "commands/command_processor.h"
#include "commands/write_model_snapshots.h"
#include "domain/errors.h"
#include "eventstore/replicated_batch.h"
#include "eventstore/replicator.h"
#include "eventstore/rocks_event_store.h"
#include "tests/support/process.h"

using namespace eventmart;

namespace {

// Keeps every batch the leader commits, in order.
class CapturingReplicator final : public Replicator {
 public:
  Result<void> Replicate(std::uint64_t sequence, std::string_view batch) override {
    std::lock_guard lock(mu_);
    batches.emplace_back(sequence, std::string(batch));
    return {};
  }
  std::vector<std::pair<std::uint64_t, std::string>> Taken() {
    std::lock_guard lock(mu_);
    return batches;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::uint64_t, std::string>> batches;
};

std::unique_ptr<RocksEventStore> OpenStore(const std::string& dir) {
  auto store = RocksEventStore::Open(dir, {.sync = false});  // durability is not what is tested here
  REQUIRE(store);
  return std::move(*store);
}

struct Processor {
  Processor(EventStore& store, ManualClock& clock) : clock(clock) {
    processor = std::make_unique<CommandProcessor>(store, clock, CommandProcessorOptions{.order_ttl_ms = 60'000});
  }

  Result<Reply> Run(Command command, std::optional<std::string> key = std::nullopt) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    std::optional<Idempotency> idempotency;
    if (key) idempotency = Idempotency{*key, "request " + *key};
    processor->Submit(std::move(command), idempotency, [](const Result<Reply>& r) { return r ? "ok" : "error"; },
                      [&promise](Outcome o) { promise.set_value(std::move(o)); });
    return future.get().reply;
  }

  ManualClock& clock;
  std::unique_ptr<CommandProcessor> processor;
};

// Users, products and coupons, then a random mix that between them makes
// every kind of event (paid, cancelled and expired orders, waiting-room
// requests). Returns the orders paid.
// Without `advance_clock` the decisions depend on the commands alone (a
// clock moved under the decider lets an expiry race the next command).
std::vector<std::pair<OrderId, UserId>> RandomHistory(Processor& p, std::uint32_t seed, int steps,
                                                      bool advance_clock = true) {
  std::mt19937 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  for (int u = 0; u < 8; ++u) {
    std::optional<Subject> subject;
    if (u % 2 == 0) subject = Subject{"https://issuer.test", "sub-" + std::to_string(seed) + "-" + std::to_string(u)};
    REQUIRE(p.Run(RegisterUser{"user " + std::to_string(u), subject}));
  }
  for (int prod = 0; prod < 4; ++prod) {
    REQUIRE(p.Run(CreateProduct{{"product " + std::to_string(prod), {{"S", 1000 + prod, 50}, {"M", 2000, 50}}}}));
  }
  REQUIRE(p.Run(CreateCoupon{{"all", DiscountType::kFixed, 500, 6, 0, 0, 0, {}}}));
  REQUIRE(p.Run(CreateCoupon{{"some", DiscountType::kRate, 10, 6, 0, 0, 0, {1, 2}}}));
  std::vector<std::pair<OrderId, UserId>> orders, paid;
  for (int i = 0; i < steps; ++i) {
    UserId user = pick(1, 8);
    std::optional<std::string> key;
    if (pick(0, 3) == 0) key = "key-" + std::to_string(seed) + "-" + std::to_string(i);
    switch (pick(0, 11)) {
      case 0: (void)p.Run(ChargePoints{user, pick(1, 50'000)}, key); break;
      case 1: (void)p.Run(RestockOption{pick(1, 4), pick(1, 8), pick(1, 5)}); break;
      case 2:
        if (pick(0, 1)) {
          (void)p.Run(pick(0, 1) ? Command(PauseCoupon{pick(1, 2)}) : Command(ResumeCoupon{pick(1, 2)}));
        } else {
          (void)p.Run(SetProductStatus{pick(1, 4), pick(0, 3) == 0 ? ProductStatus::kStopped : ProductStatus::kOnSale});
        }
        break;
      case 3: (void)p.Run(IssueCoupon{pick(1, 2), user}, key); break;
      case 4: {
        ProductId product = pick(1, 4);
        (void)p.Run(AddCartItem{user, product, OptionId(product * 2 - pick(0, 1)), pick(1, 3)});
        break;
      }
      case 5: (void)p.Run(RemoveCartItem{user, pick(1, 8)}); break;
      case 6:
      case 7: {
        ProductId product = pick(1, 4);
        std::optional<CouponId> coupon;
        if (pick(0, 1)) coupon = pick(1, 2);
        auto placed = p.Run(PlaceOrder{user, {{product, OptionId(product * 2 - pick(0, 1)), pick(1, 3)}}, coupon,
                                       pick(0, 3) == 0}, key);
        if (placed && std::holds_alternative<OrderView>(*placed)) {
          orders.emplace_back(std::get<OrderView>(*placed).order_id, user);
        }
        break;
      }
      case 8:
        if (!orders.empty()) {
          auto [order, owner] = orders[pick(0, orders.size() - 1)];
          if (p.Run(PayOrder{order, owner}, key)) paid.emplace_back(order, owner);
        }
        break;
      case 9:
        if (!orders.empty()) {
          auto [order, owner] = orders[pick(0, orders.size() - 1)];
          (void)p.Run(CancelOrder{order, owner});
        }
        break;
      case 10:
        if (!advance_clock) break;
        p.clock.Advance(pick(0, 40'000));  // some orders come due and expire
        p.processor->Wake();
        break;
      case 11: (void)p.Run(RequestCoupon{pick(1, 2), user}, key); break;
    }
  }
  return paid;
}

Aggregates LoadedFrom(const EventStore& store) {
  auto loaded = LoadWriteModel(store, nullptr, store.LastPosition());
  REQUIRE(loaded);
  return std::move(loaded->model);
}

// (stream, version, type, body) at every position: what a decision wrote,
// without the event ids, which are random.
std::vector<std::string> Decisions(const EventStore& store, GlobalPosition from) {
  std::vector<std::string> out;
  auto scanned = store.Scan({.from = from}, [&](const RecordedEventView& v) -> Result<ScanStep> {
    out.push_back(std::string(v.stream) + "@" + std::to_string(v.version) + " " + std::string(v.type) + " " +
                  std::string(v.body));
    return ScanStep::kContinue;
  });
  REQUIRE(scanned);
  return out;
}

std::vector<std::string> Envelopes(const RocksEventStore& store) {
  std::vector<std::string> out;
  auto scanned = store.Scan({}, [&](const RecordedEventView& v) -> Result<ScanStep> {
    out.push_back(std::to_string(v.position) + " " + std::string(v.stream) + "@" + std::to_string(v.version) + " " +
                  std::string(v.type) + " " + std::string(v.correlation_id) + " " + std::string(v.body) + " " +
                  std::to_string(v.occurred_at_ms));
    return ScanStep::kContinue;
  });
  REQUIRE(scanned);
  return out;
}

struct LeaderRun {
  std::string dir;
  std::unique_ptr<RocksEventStore> store;
  CapturingReplicator replicator;
  std::vector<std::pair<OrderId, UserId>> paid;
  std::set<std::string> types;

  explicit LeaderRun(const std::string& name) : dir(testing::TempDir(name)) {
    store = OpenStore(dir + "/leader");
    store->SetReplicator(&replicator);
    ManualClock clock{1'700'000'000'000};
    Processor leader(*store, clock);
    REQUIRE(leader.processor->Start());
    paid = RandomHistory(leader, 11, 1200);
    leader.processor->Stop();
    REQUIRE(store->Append({}));  // every append of the processor has answered
    auto scanned = store->Scan({}, [&](const RecordedEventView& v) -> Result<ScanStep> {
      types.emplace(v.type);
      return ScanStep::kContinue;
    });
    REQUIRE(scanned);
  }
};

}  // namespace

TEST_CASE("Given a follower that folds every batch it applies, its hot model equals a fold of its log after every batch",
          "[cluster][model]") {
  LeaderRun leader("hot-model");
  INFO(leader.types.size() << " event types in the history");
  CHECK(leader.types.size() == std::variant_size_v<DomainEvent>);  // the history covers every event type
  REQUIRE_FALSE(leader.paid.empty());

  auto follower = OpenStore(leader.dir + "/follower");
  Aggregates hot;
  auto batches = leader.replicator.Taken();
  REQUIRE(batches.size() > 100);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    auto& [sequence, batch] = batches[i];
    auto events = DecodeBatchEvents(batch);
    REQUIRE(events);
    REQUIRE(follower->ApplyReplicated(sequence, batch));
    FoldBatch(hot, *events);
    // Every batch near the start, then every 37th (a full load each time)
    if (i < 40 || i % 37 == 0 || i + 1 == batches.size()) {
      INFO("after batch " << sequence << ", position " << follower->LastPosition());
      REQUIRE(hot == LoadedFrom(*follower));
      ++checked;
    }
  }
  CHECK(checked > 40);
  CHECK(follower->LastPosition() == leader.store->LastPosition());
  CHECK(hot == LoadedFrom(*leader.store));
}

TEST_CASE("Given a promoted follower's hot model, the processor decides exactly as one loaded from the log",
          "[cluster][model]") {
  LeaderRun leader("promoted");
  auto batches = leader.replicator.Taken();
  // Two followers with the same log: one keeps a hot model, the other
  // will load its state from the log as a restarted single node does.
  auto hot_store = OpenStore(leader.dir + "/hot");
  auto cold_store = OpenStore(leader.dir + "/cold");
  Aggregates hot;
  for (auto& [sequence, batch] : batches) {
    auto events = DecodeBatchEvents(batch);
    REQUIRE(events);
    REQUIRE(hot_store->ApplyReplicated(sequence, batch));
    REQUIRE(cold_store->ApplyReplicated(sequence, batch));
    FoldBatch(hot, *events);
  }
  GlobalPosition end = hot_store->LastPosition();

  // A model that is not folded up to the log's end is refused
  {
    ManualClock clock{0};
    Processor refused(*hot_store, clock);
    auto started = refused.processor->StartFrom(Aggregates{}, end - 1);
    REQUIRE_FALSE(started);
  }

  ManualClock hot_clock{1'800'000'000'000}, cold_clock{1'800'000'000'000};
  Processor from_hot(*hot_store, hot_clock), from_log(*cold_store, cold_clock);
  REQUIRE(from_hot.processor->StartFrom(std::move(hot), end));
  REQUIRE(from_log.processor->Start());

  // When an order the leader saw paid is paid again on the new leader, it is refused as not payable
  auto [order, owner] = leader.paid.front();
  auto again = from_hot.Run(PayOrder{order, owner});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == DomainErrc::kOrderNotPayable);

  // When the same commands follow on both, they decide the same events
  // (clocks far ahead: the unpaid orders expire first, on both)
  (void)from_log.Run(PayOrder{order, owner});
  (void)RandomHistory(from_hot, 99, 400, /*advance_clock=*/false);
  (void)RandomHistory(from_log, 99, 400, /*advance_clock=*/false);
  from_hot.processor->Stop();
  from_log.processor->Stop();
  REQUIRE(hot_store->Append({}));
  REQUIRE(cold_store->Append({}));
  auto hot_decisions = Decisions(*hot_store, end + 1);
  auto log_decisions = Decisions(*cold_store, end + 1);
  CHECK(hot_decisions.size() > 200);
  CHECK(hot_decisions == log_decisions);
}

TEST_CASE("Given a store copied page by page from a peer, its log, idempotency records and batch number are the peer's",
          "[cluster][copy]") {
  LeaderRun leader("copy");
  auto copy = OpenStore(leader.dir + "/copy");
  Aggregates hot;
  // Small pages, as a member far behind would fetch them
  std::uint64_t sequence = 0;
  for (;;) {
    GlobalPosition from = copy->LastPosition() + 1;
    auto page = leader.store->ReadLogPage(from, 97);
    REQUIRE(page);
    auto events = DecodeBatchEvents(page->batch);
    REQUIRE(events);
    if (!events->empty()) REQUIRE(copy->ApplyCopied(page->batch, 0));
    FoldBatch(hot, *events);
    if (from + events->size() - 1 >= page->end) {
      sequence = page->sequence;
      break;
    }
  }
  CHECK(copy->ReplicatedSequence() == 0);  // not before the idempotency records are in
  std::string after;
  std::size_t records = 0;
  for (;;) {
    auto page = leader.store->ReadCommandPage(after, 13);
    REQUIRE(page);
    auto view = DecodeReplicatedBatch(page->batch);
    REQUIRE(view);
    records += view->commands.size();
    std::string next = view->commands.empty() ? after : std::string(view->commands.back().id);
    REQUIRE(copy->ApplyCopied(page->batch, page->more ? 0 : sequence));
    if (!page->more) break;
    after = next;
  }
  CHECK(records > 50);
  CHECK(copy->ReplicatedSequence() == leader.store->ReplicatedSequence());
  CHECK(Envelopes(*copy) == Envelopes(*leader.store));
  CHECK(hot == LoadedFrom(*leader.store));
  // Every idempotency record the leader has answers the same on the copy
  std::size_t compared = 0;
  after.clear();
  for (;;) {
    auto page = leader.store->ReadCommandPage(after, 1000);
    REQUIRE(page);
    auto view = DecodeReplicatedBatch(page->batch);
    REQUIRE(view);
    for (const auto& command : view->commands) {
      auto there = leader.store->FindCommand(command.id);
      auto here = copy->FindCommand(command.id);
      REQUIRE(there);
      REQUIRE(here);
      REQUIRE(*here);
      CHECK((*here)->command_payload == (*there)->command_payload);
      CHECK((*here)->first_position == (*there)->first_position);
      ++compared;
    }
    if (!page->more) break;
    after = std::string(view->commands.back().id);
  }
  CHECK(compared == records);

  // A page that does not start where the copy's log ends is refused and changes nothing
  auto stale = leader.store->ReadLogPage(1, 5);
  REQUIRE(stale);
  GlobalPosition before = copy->LastPosition();
  CHECK_FALSE(copy->ApplyCopied(stale->batch, 0));
  CHECK(copy->LastPosition() == before);
  // A batch number that goes back is refused
  auto empty = leader.store->ReadCommandPage(std::string(1, '\xff'), 1);
  REQUIRE(empty);
  CHECK_FALSE(copy->ApplyCopied(empty->batch, sequence - 1));
  CHECK(copy->ReplicatedSequence() == sequence);
}
