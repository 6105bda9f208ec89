#include "projections/projector.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>
#include <rocksdb/write_batch.h>

#include "commands/command_processor.h"
#include "eventstore/codec.h"
#include "eventstore/in_memory_event_store.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/balance_projection.h"
#include "projections/read_model_format.h"
#include "tests/support/process.h"
#include "tests/support/store_fixture.h"

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

// The event store in `dir`/events.
std::unique_ptr<RocksEventStore> OpenLog(const std::string& dir) {
  auto store = RocksEventStore::Open(dir + "/events");
  REQUIRE(store);
  return std::move(*store);
}

// Given: a log in `dir`/events, written by a started command processor
// whose clock stands at `now_ms`.
struct GivenLog {
  GivenLog(const std::string& dir, TimeMs now_ms)
      : store(OpenLog(dir)), clock(now_ms), processor(*store, clock, {}) {
    REQUIRE(processor.Start());
  }
  // `n` users sign up.
  void RegisterUsers(int n) {
    for (int i = 0; i < n; ++i) REQUIRE(RunCommand(processor, RegisterUser{"u"}));
  }

  std::unique_ptr<RocksEventStore> store;
  ManualClock clock;
  CommandProcessor processor;
};

// The read-model store in `dir`/views.
std::unique_ptr<ReadModelStore> OpenViews(const std::string& dir) {
  auto views = ReadModelStore::Open(dir + "/views");
  REQUIRE(views);
  return std::move(*views);
}

}  // namespace

TEST_CASE("The balance projection follows the log and pages history", "[projections]") {
  std::string dir = TempDir("projector");
  GivenLog log(dir, 1'700'000'000'000);
  auto views = OpenViews(dir);
  Projector projector(*log.store, *views, Balances());
  REQUIRE(projector.Start());

  auto kim = std::get<UserReply>(*RunCommand(log.processor, RegisterUser{"kim"})).user_id;
  for (int i = 1; i <= 25; ++i) REQUIRE(RunCommand(log.processor, ChargePoints{kim, i}));
  REQUIRE(projector.WaitFor(log.store->LastPosition(), std::chrono::seconds(10)));

  BalanceQueries q(views->Reader(BalanceProjection::kName));
  CHECK(q.UserName(kim).value() == "kim");
  CHECK(q.Balance(kim).value() == 25 * 26 / 2);
  CHECK_FALSE(q.Balance(kim + 1).value());
  auto first = q.History(kim, 10, 0).value();
  REQUIRE(first.items.size() == 10);
  CHECK(first.items[0].amount == 25);  // newest first
  CHECK(first.items[0].balance_after == 325);
  REQUIRE(first.next != 0);
  auto second = q.History(kim, 10, first.next).value();
  CHECK(second.items[0].amount == 15);
  auto third = q.History(kim, 10, second.next).value();
  CHECK(third.items.size() == 5);
  CHECK(third.next == 0);
  CHECK(third.items.back().amount == 1);

  SECTION("a dropped read model rebuilds to the same answers") {
    projector.Stop();
    REQUIRE(views->DropPrefix("balances/"));
    auto batch_checkpoint = Projector::CheckpointKey("balances");
    rocksdb::WriteBatch reset;
    reset.Delete(batch_checkpoint);
    REQUIRE(views->Write(reset));
    CHECK_FALSE(q.Balance(kim).value());
    Projector rebuilt(*log.store, *views, Balances());
    auto caught = rebuilt.CatchUp();
    REQUIRE(caught);
    CHECK(*caught == log.store->LastPosition());
    CHECK(q.Balance(kim).value() == 325);
    CHECK(q.History(kim, 100, 0).value().items.size() == 25);
  }
}

namespace {

// Counts what it is given.
class CountingProjection final : public Projection {
 public:
  explicit CountingProjection(int* applied, std::uint32_t format = 1) : applied_(applied), format_(format) {}
  std::string_view name() const override { return "counting"; }
  std::uint32_t format_version() const override { return format_; }
  bool Wants(std::string_view) const override { return true; }
  Result<void> Apply(const RecordedEventView&, const DomainEvent&, ReadModelWriter& out) override {
    ++*applied_;
    out.Put("n", std::to_string(*applied_));
    return {};
  }

 private:
  int* applied_;
  std::uint32_t format_;
};

std::vector<std::unique_ptr<Projection>> Counting(int* applied, std::uint32_t format = 1) {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<CountingProjection>(applied, format));
  return out;
}

// A projector of one counting projection (its read model in `format`),
// started on `log` and `views`: how many events it applied, where it stands.
struct CountingRun {
  int applied = 0;
  GlobalPosition position = 0;
};
CountingRun StartCounting(EventStore& log, ReadModelStore& views, std::uint32_t format = 1) {
  int applied = 0;
  Projector projector(log, views, Counting(&applied, format));
  REQUIRE(projector.Start());
  return {applied, projector.position()};
}

}  // namespace

TEST_CASE("A restarted projector resumes at its checkpoint: no event twice, none skipped", "[projections]") {
  std::string dir = TempDir("projector-resume");
  GivenLog log(dir, 1);
  log.RegisterUsers(5);
  {
    auto views = OpenViews(dir);
    CHECK(StartCounting(*log.store, *views).applied == 5);
  }
  log.RegisterUsers(3);
  auto views = OpenViews(dir);
  auto second_run = StartCounting(*log.store, *views);
  CHECK(second_run.applied == 3);
  CHECK(second_run.position == 8);
}

TEST_CASE("A read model stored in another format or with none is rebuilt from the log at start", "[projections]") {
  std::string dir = TempDir("projector-format");
  GivenLog log(dir, 1);
  log.RegisterUsers(5);
  auto views = OpenViews(dir);
  auto run = [&](std::uint32_t format) {
    auto started = StartCounting(*log.store, *views, format);
    CHECK(started.position == 5);
    return started.applied;
  };
  CHECK(run(1) == 5);  // fresh: folded once, its format recorded
  CHECK(StoredFormat(*views, "counting").value() == 1);
  CHECK(run(1) == 0);  // same format: resumes at its checkpoint
  CHECK(run(2) == 5);  // another format: dropped and folded again
  CHECK(StoredFormat(*views, "counting").value() == 2);
  CHECK(run(2) == 0);
  // A build from before formats were recorded left a checkpoint and no format.
  rocksdb::WriteBatch forget;
  forget.Delete(FormatKey("counting"));
  REQUIRE(views->Write(forget));
  CHECK(run(2) == 5);
  CHECK(views->Reader("counting").Get("n").value() == "5");  // started over, not counted on from 5
}

TEST_CASE("WhenReached answers at once, later, or at the deadline", "[projections]") {
  std::string dir = TempDir("projector-wait");
  GivenLog log(dir, 1);
  auto views = OpenViews(dir);
  Projector projector(*log.store, *views, Balances());
  REQUIRE(projector.Start());

  std::promise<bool> now;
  projector.WhenReached(0, std::chrono::steady_clock::now(), [&](bool ok) { now.set_value(ok); });
  CHECK(now.get_future().get());

  std::promise<bool> later;
  auto later_f = later.get_future();
  projector.WhenReached(1, std::chrono::steady_clock::now() + std::chrono::seconds(10),
                        [&](bool ok) { later.set_value(ok); });
  REQUIRE(RunCommand(log.processor, RegisterUser{"kim"}));
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

namespace {

// Counts the events of one type; its Load fails when asked to.
class OneTypeProjection final : public Projection {
 public:
  OneTypeProjection(std::string_view type, bool load_fails = false) : type_(type), load_fails_(load_fails) {}
  std::string_view name() const override { return "one-type"; }
  bool Wants(std::string_view type) const override { return type == type_; }
  Result<void> Apply(const RecordedEventView&, const DomainEvent&, ReadModelWriter& out) override {
    out.Put("n", std::to_string(++applied_));
    return {};
  }
  Result<void> Load(const ReadModelReader&) override {
    if (load_fails_) return Fail(std::make_error_code(std::errc::io_error), "cannot read the copy");
    return {};
  }

 private:
  std::string_view type_;
  bool load_fails_;
  int applied_ = 0;
};

EventRecord Encoded(const DomainEvent& event) { return EncodeEvent(event, {.id = NewEventId(1), .occurred_at_ms = 1}); }

const ProjectionStatus* StatusOf(const std::vector<ProjectionStatus>& statuses, std::string_view name) {
  for (const auto& st : statuses) {
    if (st.name == name) return &st;
  }
  return nullptr;
}

}  // namespace

SCENARIO("An undecodable event stops the projections that want it, visibly, and the others go on", "[projections][errors]") {
  GIVEN("a log whose second event is a PointsCharged this build cannot decode") {
    InMemoryEventStore log;
    auto views = ReadModelStore::Open(TempDir("projector-undecodable"));
    REQUIRE(views);
    AppendRequest request;
    request.streams.push_back({"user-1", ExpectedVersion::NoStream(), {Encoded(UserRegistered{.user_id = 1, .name = "kim"})}});
    EventRecord broken = Encoded(PointsCharged{});
    broken.body = "\x01";
    request.streams.push_back({"account-1", ExpectedVersion::NoStream(), {broken}});
    request.streams.push_back({"user-2", ExpectedVersion::NoStream(), {Encoded(UserRegistered{.user_id = 2, .name = "lee"})}});
    REQUIRE(log.Append(request));

    WHEN("the balances (which want it) and a projection of users only run") {
      std::vector<std::unique_ptr<Projection>> projections;
      projections.push_back(std::make_unique<BalanceProjection>());
      projections.push_back(std::make_unique<OneTypeProjection>(UserRegistered::kType));
      Projector projector(log, **views, std::move(projections));
      REQUIRE(projector.Start());

      THEN("the balances stop before it with the cause; the users projection reaches the end") {
        auto statuses = projector.Statuses();
        const auto* balances = StatusOf(statuses, "balances");
        const auto* users = StatusOf(statuses, "one-type");
        REQUIRE(balances);
        REQUIRE(users);
        CHECK(balances->state == ProjectionState::kFailed);
        CHECK(Name(balances->state) == "failed");
        CHECK(balances->position == 1);
        CHECK(balances->error.find("position 2") != std::string::npos);
        CHECK(balances->error.find("account-1") != std::string::npos);
        CHECK(users->state == ProjectionState::kLive);
        CHECK(users->position == 3);
        CHECK(projector.position() == 3);
        CHECK(projector.failed());
      }
    }
    WHEN("an offline fold (CatchUp) meets it") {
      std::vector<std::unique_ptr<Projection>> projections;
      projections.push_back(std::make_unique<BalanceProjection>());
      Projector projector(log, **views, std::move(projections));
      auto caught = projector.CatchUp();

      THEN("it fails, naming the projection and the event") {
        REQUIRE_FALSE(caught);
        CHECK(caught.error().code == ProjectorErrc::kProjectionFailed);
        CHECK(caught.error().detail.find("balances: ") == 0);
        CHECK(caught.error().detail.find("position 2") != std::string::npos);
      }
    }
  }
}

SCENARIO("A rebuild whose copy cannot load is shown failed with its cause, not rebuilding forever",
         "[projections][errors]") {
  GIVEN("a running projector whose factory makes copies that fail to load") {
    InMemoryEventStore log;
    REQUIRE(log.Append(OneStream("user-1", ExpectedVersion::NoStream(), {"x"})));
    auto views = ReadModelStore::Open(TempDir("projector-rebuild-load"));
    REQUIRE(views);
    std::vector<std::unique_ptr<Projection>> projections;
    projections.push_back(std::make_unique<OneTypeProjection>("none"));
    Projector projector(log, **views, std::move(projections), [](std::string_view) -> std::unique_ptr<Projection> {
      return std::make_unique<OneTypeProjection>("none", /*load_fails=*/true);
    });
    REQUIRE(projector.Start());
    CHECK_FALSE(projector.failed());

    WHEN("an unknown projection is asked for") {
      auto r = projector.Rebuild("nope");
      THEN("it is refused as unknown") {
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ProjectorErrc::kUnknownProjection);
      }
    }
    WHEN("a rebuild is asked for") {
      REQUIRE(projector.Rebuild("one-type"));
      THEN("the status turns failed with the load's cause") {
        const ProjectionStatus* st = nullptr;
        std::vector<ProjectionStatus> statuses;
        for (int i = 0; i < 500; ++i) {
          statuses = projector.Statuses();
          st = StatusOf(statuses, "one-type");
          if (st && st->state == ProjectionState::kFailed) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        REQUIRE(st);
        CHECK(st->state == ProjectionState::kFailed);
        CHECK(st->error.find("cannot read the copy") != std::string::npos);
        CHECK(projector.failed());
      }
    }
  }
}

namespace {

// Counts the UserRegistered events under its own name; a copy's Load can
// wait at a gate (to hold a rebuild under way) or fail.
struct CopyOptions {
  std::shared_future<void> gate;          // Load waits for it, if valid
  std::promise<void>* loading = nullptr;  // told when Load starts
  bool load_fails = false;
};

class GatedCountProjection final : public Projection {
 public:
  explicit GatedCountProjection(std::string name, CopyOptions options = {}) : name_(std::move(name)), options_(std::move(options)) {}
  std::string_view name() const override { return name_; }
  bool Wants(std::string_view type) const override { return type == UserRegistered::kType; }
  Result<void> Apply(const RecordedEventView&, const DomainEvent&, ReadModelWriter& out) override {
    out.Put("n", std::to_string(++applied_));
    return {};
  }
  Result<void> Load(const ReadModelReader& in) override {
    if (options_.loading) options_.loading->set_value();
    if (options_.gate.valid()) options_.gate.wait();
    if (options_.load_fails) return Fail(std::make_error_code(std::errc::io_error), "cannot read the copy");
    auto n = in.Get("n");
    if (!n) return Fail(n.error());
    applied_ = *n ? std::stoi(**n) : 0;
    return {};
  }

 private:
  std::string name_;
  CopyOptions options_;
  int applied_ = 0;
};

AppendRequest Registrations(std::int64_t first, int count) {
  AppendRequest request;
  for (std::int64_t id = first; id < first + count; ++id) {
    request.streams.push_back({"user-" + std::to_string(id), ExpectedVersion::NoStream(),
                               {Encoded(UserRegistered{.user_id = id, .name = "u"})}});
  }
  return request;
}

std::string Count(ReadModelStore& views, std::string_view projection) {
  auto n = views.Reader(projection).Get("n");
  REQUIRE(n);
  return n->value_or("");
}

}  // namespace

SCENARIO("Rebuilds asked for while one runs queue behind it, and a failed one does not hold up the rest",
         "[projections][rebuild]") {
  GIVEN("a running projector of three counting projections on an in-memory log and read-model store") {
    InMemoryEventStore log;
    REQUIRE(log.Append(Registrations(1, 50)));
    auto views = ReadModelStore::OpenInMemory();
    REQUIRE(views);
    std::promise<void> gate;
    std::promise<void> loading;
    std::map<std::string, int, std::less<>> made;
    std::mutex made_mu;
    std::vector<std::unique_ptr<Projection>> projections;
    for (const char* name : {"a", "b", "c"}) projections.push_back(std::make_unique<GatedCountProjection>(name));
    Projector projector(log, **views, std::move(projections), [&](std::string_view name) -> std::unique_ptr<Projection> {
      std::lock_guard lock(made_mu);
      CopyOptions options;
      if (name == "a" && made["a"] == 0) options = {.gate = gate.get_future().share(), .loading = &loading};
      if (name == "c") options.load_fails = true;
      ++made[std::string(name)];
      return std::make_unique<GatedCountProjection>(std::string(name), std::move(options));
    });
    REQUIRE(projector.Start());
    REQUIRE(Count(**views, "a") == "50");

    WHEN("a is rebuilding, and b, c, a and all are asked for meanwhile") {
      auto a = projector.Rebuild("a");
      REQUIRE(a);
      CHECK(a->state == ProjectionState::kRebuilding);
      loading.get_future().wait();  // the projector thread has taken a, and holds in its Load
      auto b = projector.Rebuild("b");
      auto c = projector.Rebuild("c");
      auto a_again = projector.Rebuild("a");
      auto all = projector.RebuildAll();
      auto unknown = projector.Rebuild("nope");
      REQUIRE(log.Append(Registrations(100, 7)));  // the log grows meanwhile
      gate.set_value();

      THEN("b and c are queued, a shows its rebuild, all changes nothing more, an unknown name is refused") {
        REQUIRE(b);
        REQUIRE(c);
        REQUIRE(a_again);
        REQUIRE(all);
        CHECK(b->state == ProjectionState::kQueued);
        CHECK(Name(b->state) == "queued");
        CHECK(c->state == ProjectionState::kQueued);
        CHECK(a_again->state == ProjectionState::kRebuilding);
        REQUIRE(all->size() == 3);
        CHECK((*all)[0].state == ProjectionState::kRebuilding);
        CHECK((*all)[1].state == ProjectionState::kQueued);
        CHECK((*all)[2].state == ProjectionState::kQueued);
        REQUIRE_FALSE(unknown);
        CHECK(unknown.error().code == ProjectorErrc::kUnknownProjection);
      }
      THEN("each is rebuilt once and swapped in, c's rebuild fails with its cause, and b is not held up by it") {
        std::vector<ProjectionStatus> statuses;
        auto settled = [&] {
          statuses = projector.Statuses();
          return StatusOf(statuses, "a")->state == ProjectionState::kLive &&
                 StatusOf(statuses, "b")->state == ProjectionState::kLive &&
                 StatusOf(statuses, "c")->state == ProjectionState::kFailed;
        };
        for (int i = 0; i < 500 && !settled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(settled());
        CHECK(StatusOf(statuses, "c")->error.find("rebuild failed: ") == 0);
        CHECK(StatusOf(statuses, "c")->error.find("cannot read the copy") != std::string::npos);
        REQUIRE(projector.WaitFor(log.LastPosition(), std::chrono::seconds(5)));
        statuses = projector.Statuses();
        for (const auto& st : statuses) CHECK(st.position == log.LastPosition());
        CHECK(made == std::map<std::string, int, std::less<>>{{"a", 1}, {"b", 1}, {"c", 1}});
        // The rebuilt copies (a, b) and the live one that kept serving (c) agree.
        CHECK(views->get()->SlotOf("a") != "a/");
        CHECK(Count(**views, "a") == "57");
        CHECK(Count(**views, "b") == "57");
        CHECK(Count(**views, "c") == "57");
        CHECK(projector.failed());  // c's failed rebuild is shown until a rebuild of c succeeds
      }
    }
  }
}

TEST_CASE("A read-model store opened with compactions deferred compacts only once they are started",
          "[projections][store]") {
  // Six flushes of the same keys: six level-0 files, past RocksDB's trigger of four.
  auto flush_six = [](ReadModelStore& views) {
    for (int flush = 0; flush < 6; ++flush) {
      rocksdb::WriteBatch batch;
      for (int key = 0; key < 100; ++key) batch.Put("k" + std::to_string(key), std::to_string(flush));
      REQUIRE(views.Write(batch));
      REQUIRE(views.Flush());
    }
  };
  auto compacted_within = [](ReadModelStore& views, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (views.Level0Files() >= 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return views.Level0Files() < 4;
  };
  SECTION("deferred") {
    auto views = ReadModelStore::Open(TempDir("views-deferred"), {.defer_compactions = true});
    REQUIRE(views);
    flush_six(**views);
    // Then nothing merges them while compactions wait
    CHECK_FALSE(compacted_within(**views, std::chrono::milliseconds(500)));
    CHECK((*views)->Level0Files() == 6);
    // When they are started, they are merged
    REQUIRE((*views)->StartCompactions());
    CHECK(compacted_within(**views, std::chrono::seconds(20)));
    // And every key reads its last value
    auto value = (*views)->Get("k42");
    REQUIRE(value);
    CHECK(*value == std::optional<std::string>("5"));
  }
  SECTION("not deferred: the same files are merged at once") {
    auto views = ReadModelStore::Open(TempDir("views-not-deferred"));
    REQUIRE(views);
    flush_six(**views);
    CHECK(compacted_within(**views, std::chrono::seconds(20)));
  }
}
