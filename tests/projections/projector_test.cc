#include "projections/projector.h"

#include <catch2/catch.hpp>
#include <future>
#include <rocksdb/write_batch.h>

#include "commands/command_processor.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/balance_projection.h"
#include "tests/support/process.h"

#include "tests/support/event_filler.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::vector<std::unique_ptr<Projection>> Balances() {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<BalanceProjection>());
  return out;
}

Result<Reply> RunCommand(CommandProcessor& p, Command c) {
  std::promise<Result<Reply>> promise;
  auto f = promise.get_future();
  p.Submit(std::move(c), std::nullopt, nullptr, [&](Outcome o) { promise.set_value(std::move(o.reply)); });
  return f.get();
}

}  // namespace

TEST_CASE("The balance projection follows the log and pages history", "[projections]") {
  std::string dir = TempDir("projector");
  auto store = RocksEventStore::Open(dir + "/events");
  REQUIRE(store);
  auto views = ReadModelStore::Open(dir + "/views");
  REQUIRE(views);
  ManualClock clock(1'700'000'000'000);
  CommandProcessor processor(**store, clock, {});
  REQUIRE(processor.Start());
  Projector projector(**store, **views, Balances());
  REQUIRE(projector.Start());

  auto kim = std::get<UserReply>(*RunCommand(processor, RegisterUser{"kim"})).user_id;
  for (int i = 1; i <= 25; ++i) REQUIRE(RunCommand(processor, ChargePoints{kim, i}));
  REQUIRE(projector.WaitFor((*store)->LastPosition(), std::chrono::seconds(10)));

  BalanceQueries q((*views)->Reader(BalanceProjection::kName));
  CHECK(q.UserName(kim).value() == "kim");
  CHECK(q.Balance(kim).value() == 25 * 26 / 2);
  CHECK_FALSE(q.Balance(kim + 1).value());
  auto first = q.History(kim, 10, 0).value();
  REQUIRE(first.items.size() == 10);
  CHECK(first.items[0].amount == 25);  // newest first
  CHECK(first.items[0].balance_after == 325);
  REQUIRE(first.next_before != 0);
  auto second = q.History(kim, 10, first.next_before).value();
  CHECK(second.items[0].amount == 15);
  auto third = q.History(kim, 10, second.next_before).value();
  CHECK(third.items.size() == 5);
  CHECK(third.next_before == 0);
  CHECK(third.items.back().amount == 1);

  SECTION("a dropped read model rebuilds to the same answers") {
    projector.Stop();
    REQUIRE((*views)->DropPrefix("balances/"));
    auto batch_checkpoint = Projector::CheckpointKey("balances");
    rocksdb::WriteBatch reset;
    reset.Delete(batch_checkpoint);
    REQUIRE((*views)->Write(reset));
    CHECK_FALSE(q.Balance(kim).value());
    Projector rebuilt(**store, **views, Balances());
    auto caught = rebuilt.CatchUp();
    REQUIRE(caught);
    CHECK(*caught == (*store)->LastPosition());
    CHECK(q.Balance(kim).value() == 325);
    CHECK(q.History(kim, 100, 0).value().items.size() == 25);
  }
}

namespace {

// Counts what it is given.
class CountingProjection final : public Projection {
 public:
  explicit CountingProjection(int* applied) : applied_(applied) {}
  std::string_view name() const override { return "counting"; }
  bool Wants(std::string_view) const override { return true; }
  Result<void> Apply(const RecordedEventView&, const DomainEvent&, ReadModelWriter& out) override {
    ++*applied_;
    out.Put("n", std::to_string(*applied_));
    return {};
  }

 private:
  int* applied_;
};

std::vector<std::unique_ptr<Projection>> Counting(int* applied) {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<CountingProjection>(applied));
  return out;
}

}  // namespace

TEST_CASE("A restarted projector resumes at its checkpoint: no event twice, none skipped", "[projections]") {
  std::string dir = TempDir("projector-resume");
  auto store = RocksEventStore::Open(dir + "/events");
  REQUIRE(store);
  ManualClock clock(1);
  CommandProcessor processor(**store, clock, {});
  REQUIRE(processor.Start());
  for (int i = 0; i < 5; ++i) REQUIRE(RunCommand(processor, RegisterUser{"u"}));
  int first_run = 0;
  {
    auto views = ReadModelStore::Open(dir + "/views");
    REQUIRE(views);
    Projector projector(**store, **views, Counting(&first_run));
    REQUIRE(projector.Start());
    CHECK(first_run == 5);
  }
  for (int i = 0; i < 3; ++i) REQUIRE(RunCommand(processor, RegisterUser{"u"}));
  int second_run = 0;
  auto views = ReadModelStore::Open(dir + "/views");
  REQUIRE(views);
  Projector projector(**store, **views, Counting(&second_run));
  REQUIRE(projector.Start());
  CHECK(second_run == 3);
  CHECK(projector.position() == 8);
}

TEST_CASE("WhenReached answers at once, later, or at the deadline", "[projections]") {
  std::string dir = TempDir("projector-wait");
  auto store = RocksEventStore::Open(dir + "/events");
  auto views = ReadModelStore::Open(dir + "/views");
  REQUIRE(store);
  REQUIRE(views);
  ManualClock clock(1);
  CommandProcessor processor(**store, clock, {});
  REQUIRE(processor.Start());
  Projector projector(**store, **views, Balances());
  REQUIRE(projector.Start());

  std::promise<bool> now;
  projector.WhenReached(0, std::chrono::steady_clock::now(), [&](bool ok) { now.set_value(ok); });
  CHECK(now.get_future().get());

  std::promise<bool> later;
  auto later_f = later.get_future();
  projector.WhenReached(1, std::chrono::steady_clock::now() + std::chrono::seconds(10),
                        [&](bool ok) { later.set_value(ok); });
  REQUIRE(RunCommand(processor, RegisterUser{"kim"}));
  CHECK(later_f.get());

  std::promise<bool> never;
  auto never_f = never.get_future();
  projector.WhenReached(99, std::chrono::steady_clock::now() + std::chrono::milliseconds(50),
                        [&](bool ok) { never.set_value(ok); });
  CHECK(never_f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(never_f.get());
}

namespace {


template <std::size_t I = 0>
void CheckUnwantedTypesWriteNothing(Projection& projection) {
  if constexpr (I < std::variant_size_v<DomainEvent>) {
    using E = std::variant_alternative_t<I, DomainEvent>;
    E event;
    Filler{}.Fill(event);
    PendingChanges changes;
    ReadModelWriter writer(changes, nullptr, "p/");
    // Nothing is stored, so the folds that read back their records find none (and change nothing).
    auto applied = projection.Apply(RecordedEventView{.stream = "s-1", .version = 1, .position = 1, .type = E::kType},
                                    event, writer);
    CHECK(applied);
    INFO(projection.name() << " and " << E::kType);
    if (!projection.Wants(E::kType)) CHECK(changes.size() == 0);
    CheckUnwantedTypesWriteNothing<I + 1>(projection);
  }
}

}  // namespace

TEST_CASE("A projection wants every event type it writes for (unwanted ones are never decoded)", "[projections]") {
  int wanted = 0;
  for (const auto& projection : AllProjections(std::make_shared<SalesRanking>(), 1'000'000)) {
    CheckUnwantedTypesWriteNothing(*projection);
    for (std::string_view type : {"order.OrderPaid", "account.PointsCharged", "coupon.CouponIssued"}) {
      wanted += projection->Wants(type);
    }
  }
  CHECK(wanted == 4);  // orders and best sellers want OrderPaid; balances PointsCharged; coupons CouponIssued
}
