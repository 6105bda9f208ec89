// Write-model snapshots: snapshot-plus-tail folds to the same state as the
// whole log, damaged snapshots fall back, finished orders leave memory and
// still answer exactly.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "commands/command_errors.h"
#include "commands/command_processor.h"
#include "commands/write_model_codec.h"
#include "commands/write_model_snapshots.h"
#include "domain/errors.h"
#include "eventstore/in_memory_event_store.h"
#include "eventstore/scan_events.h"
#include "eventstore/store_errors.h"

using namespace eventmart;

namespace {

// Folds the log's events in [from, to] into `model`, as start-up does.
void Fold(const EventStore& log, Aggregates& model, GlobalPosition from, GlobalPosition to) {
  auto scanned = ScanEvents(log, {.from = from, .to = to}, EveryEvent,
                            [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
                              model.Evolve(event, view.version);
                              return ScanStep::kContinue;
                            });
  REQUIRE(scanned);
  model.EvictFinished();
}

Aggregates FoldAll(const EventStore& log) {
  Aggregates model;
  Fold(log, model, 1, log.LastPosition());
  return model;
}

// A processor on a log in memory, driven by random commands that between
// them make every kind of event.
struct Shop {
  explicit Shop(std::shared_ptr<InMemoryEventStore> log, const SnapshotFiles* files = nullptr)
      : store(std::move(log)) {
    processor = std::make_unique<CommandProcessor>(*store, clock, CommandProcessorOptions{.order_ttl_ms = 60'000},
                                                   files);
    REQUIRE(processor->Start());
  }

  Result<Reply> Run(Command command) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    processor->Submit(std::move(command), std::nullopt, nullptr,
                      [&promise](Outcome o) { promise.set_value(std::move(o)); });
    return future.get().reply;
  }

  // Users, products and coupons, then a random mix of everything else.
  void RandomHistory(std::uint32_t seed, int steps) {
    std::mt19937 rng(seed);
    auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
    for (int u = 0; u < 8; ++u) {
      std::optional<Subject> subject;  // half of them signed up with a token
      if (u % 2 == 0) subject = Subject{"https://issuer.test", "sub-" + std::to_string(u)};
      (void)Run(RegisterUser{"user " + std::to_string(u), subject});
    }
    for (int p = 0; p < 4; ++p) {
      (void)Run(CreateProduct{{"product " + std::to_string(p), {{"S", 1000 + p, 50}, {"M", 2000, 50}}}});
    }
    (void)Run(CreateCoupon{{"all", DiscountType::kFixed, 500, 6, 0, 0, 0, {}}});
    (void)Run(CreateCoupon{{"some", DiscountType::kRate, 10, 6, 0, 0, 0, {1, 2}}});
    std::vector<std::pair<OrderId, UserId>> orders;
    // Mostly the owner, sometimes a stranger (a 403).
    auto some_order = [&] {
      auto [order, owner] = orders[pick(0, orders.size() - 1)];
      return std::pair{order, pick(0, 4) == 0 ? UserId(pick(1, 8)) : owner};
    };
    for (int i = 0; i < steps; ++i) {
      UserId user = pick(1, 8);
      switch (pick(0, 12)) {
        case 0: (void)Run(ChargePoints{user, pick(1, 50'000)}); break;
        case 1: (void)Run(RestockOption{pick(1, 4), pick(1, 8), pick(1, 5)}); break;
        case 2: (void)Run(SetProductStatus{pick(1, 4), pick(0, 3) == 0 ? ProductStatus::kStopped : ProductStatus::kOnSale}); break;
        case 3: (void)Run(pick(0, 1) ? Command(PauseCoupon{pick(1, 2)}) : Command(ResumeCoupon{pick(1, 2)})); break;
        case 4: (void)Run(IssueCoupon{pick(1, 2), user}); break;
        case 5: {
          ProductId product = pick(1, 4);
          (void)Run(AddCartItem{user, product, OptionId(product * 2 - pick(0, 1)), pick(1, 3)});
          break;
        }
        case 6: (void)Run(RemoveCartItem{user, pick(1, 8)}); break;
        case 7:
        case 8: {
          ProductId product = pick(1, 4);
          std::optional<CouponId> coupon;
          if (pick(0, 1)) coupon = pick(1, 2);
          auto placed = Run(PlaceOrder{user, {{product, OptionId(product * 2 - pick(0, 1)), pick(1, 3)}}, coupon,
                                       pick(0, 3) == 0});
          if (placed && std::holds_alternative<OrderView>(*placed)) {
            orders.emplace_back(std::get<OrderView>(*placed).order_id, user);
          }
          break;
        }
        case 9:
          if (!orders.empty()) {
            auto [order, by] = some_order();
            (void)Run(PayOrder{order, by});
          }
          break;
        case 10:
          if (!orders.empty()) {
            auto [order, by] = some_order();
            (void)Run(CancelOrder{order, by});
          }
          break;
        case 11:
          clock.Advance(pick(0, 40000));  // some orders come due and expire
          processor->Wake();
          break;
        case 12: (void)Run(RequestCoupon{pick(1, 2), user}); break;  // the waiting room
      }
    }
  }

  ManualClock clock{1'700'000'000'000};
  std::shared_ptr<InMemoryEventStore> store;
  std::unique_ptr<CommandProcessor> processor;
};

std::set<std::string> TypesIn(const EventStore& log) {
  std::set<std::string> types;
  auto scanned = log.Scan({}, [&](const RecordedEventView& v) -> Result<ScanStep> {
    types.emplace(v.type);
    return ScanStep::kContinue;
  });
  REQUIRE(scanned);
  return types;
}

std::filesystem::path TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("eventmart-snapshot-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("Given a history with every event type, snapshot plus tail folds to the state the whole log folds to, at any cut",
          "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  {
    Shop shop(log);
    shop.RandomHistory(42, 1500);
    shop.processor->Stop();
  }
  auto types = TypesIn(*log);
  std::string seen;
  for (const auto& t : types) seen += t + " ";
  INFO("event types in the history: " << seen);
  CHECK(types.size() == std::variant_size_v<DomainEvent>);  // the history covers every event type

  Aggregates whole = FoldAll(*log);
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    GlobalPosition cut = std::uniform_int_distribution<GlobalPosition>(0, log->LastPosition())(rng);
    Aggregates head;
    Fold(*log, head, 1, cut);
    auto decoded = WriteModelCodec::Decode(WriteModelCodec::Encode(head));
    REQUIRE(decoded);
    CHECK(*decoded == head);  // the bytes hold the whole state
    auto previous = WriteModelCodec::Decode(WriteModelCodec::Encode(head, kOldestWriteModelFormat),
                                            kOldestWriteModelFormat);
    REQUIRE(previous);
    CHECK(*previous == head);  // and so did the format before
    Fold(*log, *decoded, cut + 1, log->LastPosition());
    INFO("cut at position " << cut);
    CHECK(*decoded == whole);
    CHECK(decoded->DueOrders(~0ULL >> 2) == whole.DueOrders(~0ULL >> 2));
    CHECK(decoded->NextDeadline() == whole.NextDeadline());
  }
}

TEST_CASE("Given a model of 30,000 users, its sections decode on two threads to the same model, and damaged bytes are refused",
          "[snapshots]") {
  Aggregates model;
  for (std::int64_t u = 1; u <= 30'000; ++u) {
    model.Evolve(UserRegistered{.user_id = u, .name = "user " + std::to_string(u)}, 1);
    model.Evolve(PointsCharged{.user_id = u, .amount = u, .balance_after = u}, 1);
  }
  std::string bytes = WriteModelCodec::Encode(model);
  REQUIRE(bytes.size() > 256 * 1024);  // past the size that decodes on a second thread
  auto decoded = WriteModelCodec::Decode(bytes);
  REQUIRE(decoded);
  CHECK(*decoded == model);
  CHECK(decoded->Counts().users == 30'000);

  SECTION("cut short inside a section") {
    CHECK(WriteModelCodec::Decode(bytes.substr(0, bytes.size() / 2)).error().code == StoreErrc::kCorruption);
  }
  SECTION("a section length past the end") {
    std::string bad = bytes;
    bad[1 + 8 * 8 + 7] = '\x7f';  // the top byte of the first section's length (little-endian)
    CHECK(WriteModelCodec::Decode(bad).error().code == StoreErrc::kCorruption);
  }
  SECTION("a byte flipped inside the users") {
    std::string bad = bytes;
    bad[bytes.size() / 3] ^= 0x40;
    auto damaged = WriteModelCodec::Decode(bad);
    // A flipped byte may still parse (a name changes): then it is not the
    // same model; the snapshot file's CRC is what catches it.
    if (damaged) CHECK_FALSE(*damaged == model);
  }
  SECTION("a format this build does not read") {
    CHECK(WriteModelCodec::Decode(bytes, kWriteModelFormat + 1).error().code == StoreErrc::kInvalidArgument);
  }
}

TEST_CASE("A snapshot that is truncated, corrupt, of another format or past the log is skipped for an older one or the log",
          "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  {
    Shop shop(log);
    shop.RandomHistory(3, 300);
  }
  auto dir = TempDir("fallback");
  SnapshotFiles files(dir.string());
  GlobalPosition end = log->LastPosition();
  GlobalPosition older = end / 3, newer = end * 2 / 3;
  for (GlobalPosition at : {older, newer}) {
    Aggregates model;
    Fold(*log, model, 1, at);
    REQUIRE(files.Write(at, kWriteModelFormat, 1, WriteModelCodec::Encode(model)));
  }
  Aggregates whole = FoldAll(*log);
  auto newest = (*files.List())[0];
  REQUIRE(newest.position == newer);

  // Loaded as a start does, and with the snapshot read ahead as `serve`
  // does (PreloadSnapshot, while the stores open): the same either way.
  auto load = [&] {
    auto loaded = LoadWriteModel(*log, &files, end);
    REQUIRE(loaded);
    CHECK(loaded->model == whole);
    auto preloaded = PreloadSnapshot(files).get();
    auto ahead = LoadWriteModel(*log, &files, end, {}, &preloaded);
    REQUIRE(ahead);
    CHECK(ahead->model == whole);
    CHECK(ahead->snapshot_position == loaded->snapshot_position);
    return loaded->snapshot_position;
  };
  CHECK(load() == newer);  // when nothing is wrong, the newest
  auto preloaded = PreloadSnapshot(files).get();
  CHECK(preloaded.status.exists);
  CHECK(preloaded.status.position == newer);
  CHECK(preloaded.status.written_at_ms == 1);
  CHECK(preloaded.status.bytes == std::filesystem::file_size(newest.path));

  std::string good;
  {
    std::ifstream in(newest.path, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto overwrite = [&](const std::string& bytes) {
    std::ofstream out(newest.path, std::ios::binary | std::ios::trunc);
    out << bytes;
  };
  SECTION("truncated") {
    overwrite(good.substr(0, good.size() / 2));
    CHECK(load() == older);
  }
  SECTION("a flipped byte in the payload") {
    std::string bad = good;
    bad[bad.size() - 3] ^= 0x20;
    overwrite(bad);
    CHECK(load() == older);
    CHECK(files.Read(newest, kWriteModelFormat).error().code == SnapshotErrc::kDamaged);
  }
  SECTION("written by another snapshot format") {
    Aggregates model;
    Fold(*log, model, 1, newer);
    REQUIRE(files.Write(newer, kWriteModelFormat + 1, 1, WriteModelCodec::Encode(model)));
    CHECK(files.Read(newest, kWriteModelFormat).error().code == SnapshotErrc::kOtherFormat);
    CHECK(load() == older);
  }
  SECTION("written by the previous format: still read") {
    Aggregates model;
    Fold(*log, model, 1, newer);
    REQUIRE(files.Write(newer, kOldestWriteModelFormat, 1, WriteModelCodec::Encode(model, kOldestWriteModelFormat)));
    CHECK(load() == newer);
  }
  SECTION("a checksum that matches bytes that are not a model") {
    REQUIRE(files.Write(newer, kWriteModelFormat, 1, "not a write model"));
    CHECK(load() == older);
  }
  SECTION("past the end of the log (a store restored from an older backup)") {
    Aggregates model;
    Fold(*log, model, 1, end);
    REQUIRE(files.Write(end + 100, kWriteModelFormat, 1, WriteModelCodec::Encode(model)));
    CHECK(load() == newer);
  }
  SECTION("every snapshot damaged: the whole log") {
    overwrite("EMSNAP01");
    auto list = *files.List();
    std::ofstream(list[1].path, std::ios::trunc) << "garbage";
    CHECK(load() == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("Only the newest two snapshots are kept", "[snapshots]") {
  auto dir = TempDir("keep");
  SnapshotFiles files(dir.string());
  for (GlobalPosition at : {5, 9, 14, 20}) REQUIRE(files.Write(at, kWriteModelFormat, 1, "x"));
  auto list = files.List();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].position == 20);
  CHECK((*list)[1].position == 14);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Given the snapshotter took a snapshot, a restart starts from it and decides as the old process would",
          "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  auto dir = TempDir("restart");
  SnapshotFiles files(dir.string());
  {
    Shop shop(log, &files);
    shop.RandomHistory(11, 400);
    Snapshotter snapshotter(*log, files, shop.clock, {});
    auto taken = snapshotter.TakeNow();
    REQUIRE(taken);
    CHECK(taken->position == log->LastPosition());
    shop.RandomHistory(12, 100);  // a tail after the snapshot
  }
  Shop restarted(log, &files);
  Aggregates whole = FoldAll(*log);
  // 8 users, then 4 more: the second history's token users were bound already.
  CHECK(restarted.processor->counts().users == 12);
  CHECK(whole.Counts().users == 12);
  CHECK(restarted.processor->counts().orders == whole.Counts().orders);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Finished orders leave memory and still answer exactly when a command names one", "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  Shop shop(log);
  UserId kim = std::get<UserReply>(*shop.Run(RegisterUser{"kim"})).user_id;
  UserId lee = std::get<UserReply>(*shop.Run(RegisterUser{"lee"})).user_id;
  REQUIRE(shop.Run(ChargePoints{kim, 100'000}));
  REQUIRE(shop.Run(CreateProduct{{"tea", {{"default", 3000, 10}}}}));
  auto paid = std::get<OrderView>(*shop.Run(PlaceOrder{kim, {{1, std::nullopt, 1}}, std::nullopt, false}));
  REQUIRE(shop.Run(PayOrder{paid.order_id, kim}));
  auto cancelled = std::get<OrderView>(*shop.Run(PlaceOrder{kim, {{1, std::nullopt, 1}}, std::nullopt, false}));
  REQUIRE(shop.Run(CancelOrder{cancelled.order_id, kim}));
  auto open = std::get<OrderView>(*shop.Run(PlaceOrder{kim, {{1, std::nullopt, 1}}, std::nullopt, false}));
  (void)shop.Run(RegisterUser{"a batch boundary"});
  CHECK(shop.processor->counts().orders == 1);  // only the unpaid one is held

  auto check_answers = [&](Shop& s) {
    CHECK(s.Run(PayOrder{paid.order_id, kim}).error().code == DomainErrc::kOrderNotPayable);
    CHECK(s.Run(CancelOrder{paid.order_id, kim}).error().code == DomainErrc::kOrderNotCancellable);
    CHECK(s.Run(PayOrder{cancelled.order_id, kim}).error().code == DomainErrc::kOrderNotPayable);
    CHECK(s.Run(PayOrder{paid.order_id, lee}).error().code == DomainErrc::kForbidden);
    CHECK(s.Run(CancelOrder{cancelled.order_id, lee}).error().code == DomainErrc::kForbidden);
    CHECK(s.Run(PayOrder{999, kim}).error().code == DomainErrc::kOrderNotFound);
    CHECK(s.Run(PayOrder{paid.order_id, 12345}).error().code == DomainErrc::kUserNotFound);
  };
  GlobalPosition before = log->LastPosition();
  check_answers(shop);
  CHECK(log->LastPosition() == before);  // rejections append nothing
  CHECK(shop.Run(PayOrder{open.order_id, kim}));
  shop.processor->Stop();

  Shop restarted(log);
  CHECK(restarted.processor->counts().orders == 0);
  check_answers(restarted);
}

TEST_CASE("Commands sent while the state loads wait for it and are then decided", "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  {
    Shop shop(log);
    shop.RandomHistory(5, 200);
  }
  ManualClock clock{1'700'000'000'000};
  CommandProcessor processor(*log, clock, {});
  std::promise<Result<StartInfo>> loaded;
  processor.StartInBackground([&](Result<StartInfo> info) { loaded.set_value(std::move(info)); });
  std::promise<Outcome> answered;
  processor.Submit(RegisterUser{"early"}, std::nullopt, nullptr, [&](Outcome o) { answered.set_value(std::move(o)); });
  auto reply = answered.get_future().get().reply;
  REQUIRE(reply);
  CHECK(std::get<UserReply>(*reply).user_id == 9);  // after the 8 users the history made
  auto info = loaded.get_future().get();
  REQUIRE(info);
  CHECK(processor.ready());
}

namespace {

// The nice value of this process's thread named `name`, or nullopt if none is.
std::optional<int> NiceOfThread(std::string_view name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the name in parentheses; nice is the 19th field overall.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) return std::stoi(field);
    }
  }
  return std::nullopt;
}

// The newest snapshot's position once it moves past `old`, or after `wait`.
GlobalPosition NewestAfter(const Snapshotter& snapshotter, GlobalPosition old, std::chrono::milliseconds wait) {
  auto until = std::chrono::steady_clock::now() + wait;
  while (snapshotter.Status().position == old && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return snapshotter.Status().position;
}

}  // namespace

TEST_CASE("The snapshotter's thread yields the CPU to the decider: it runs at the lowest priority", "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  auto dir = TempDir("nice");
  SnapshotFiles files(dir.string());
  ManualClock clock(1'700'000'000'000);
  Snapshotter snapshotter(*log, files, clock, {.poll = std::chrono::milliseconds(10)});
  snapshotter.Start();
  std::optional<int> nice;
  for (int i = 0; i < 200 && nice != 19; ++i) {  // the thread lowers itself as it starts
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    nice = NiceOfThread("em-snapshot");
  }
  CHECK(nice == 19);
  snapshotter.Stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("After the interval, a snapshot waits for 1% of every_events: a handful of events is not worth rewriting the state",
          "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  auto dir = TempDir("quiet");
  SnapshotFiles files(dir.string());
  Shop shop(log, &files);
  Snapshotter snapshotter(*log, files, shop.clock,
                          {.every_events = 1000, .every = std::chrono::seconds(60), .poll = std::chrono::milliseconds(5)});
  REQUIRE(snapshotter.TakeNow());
  GlobalPosition first = log->LastPosition();
  snapshotter.Start();
  auto newest_after = [&](std::chrono::milliseconds wait) { return NewestAfter(snapshotter, first, wait); };
  // Given 9 events after the snapshot and the interval passed
  for (int i = 0; i < 9; ++i) REQUIRE(shop.Run(RegisterUser{"quiet"}));
  REQUIRE(log->LastPosition() == first + 9);
  shop.clock.Advance(61'000);
  // Then no snapshot is written
  CHECK(newest_after(std::chrono::milliseconds(300)) == first);
  // When a tenth event comes: 1% of 1,000
  REQUIRE(shop.Run(RegisterUser{"tenth"}));
  // Then one is
  CHECK(newest_after(std::chrono::seconds(10)) == first + 10);
  snapshotter.Stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("A start that finds a long tail after the newest snapshot writes one at once, and a short tail waits",
          "[snapshots]") {
  auto log = std::make_shared<InMemoryEventStore>();
  auto dir = TempDir("long-tail");
  SnapshotFiles files(dir.string());
  Shop shop(log, &files);
  SnapshotPolicy policy{.every_events = 1000, .every = std::chrono::hours(1), .poll = std::chrono::milliseconds(5)};
  GlobalPosition first = 0;
  {
    Snapshotter before(*log, files, shop.clock, policy);
    auto taken = before.TakeNow();
    REQUIRE(taken);
    first = taken->position;
  }
  // Given 99 events after the snapshot: short of a tenth of every_events
  for (int i = 0; i < 99; ++i) REQUIRE(shop.Run(RegisterUser{"tail"}));
  {
    Snapshotter started(*log, files, shop.clock, policy);
    started.Start();
    // Then no snapshot is written (neither 1,000 events nor the hour)
    CHECK(NewestAfter(started, first, std::chrono::milliseconds(300)) == first);
    started.Stop();
  }
  // Given a hundredth: a tenth of every_events
  REQUIRE(shop.Run(RegisterUser{"tail"}));
  Snapshotter started(*log, files, shop.clock, policy);
  started.Start();
  // Then one is written at the log's end
  CHECK(NewestAfter(started, first, std::chrono::seconds(10)) == first + 100);
  // And later events wait for the usual rules again
  for (int i = 0; i < 150; ++i) REQUIRE(shop.Run(RegisterUser{"after"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(started.Status().position == first + 100);
  CHECK(started.Status().taken == 1);
  started.Stop();
  std::filesystem::remove_all(dir);
}