// One contract, two stores: every test here runs against InMemoryEventStore
// and RocksEventStore (on a temporary directory), in the manner of
// Eventuous's StoreAppendTests<T>. Tests of what only RocksDB has (reopening,
// reader instances, stored-byte corruption, crashes) stay in
// rocks_event_store_test.cc and crash_test.cc.
#include "eventstore/event_store.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <thread>

#include "eventstore/codec.h"
#include "eventstore/in_memory_event_store.h"
#include "eventstore/rocks_event_store.h"
#include "eventstore/scan_events.h"
#include "eventstore/store_errors.h"
#include "tests/support/store_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

struct InMemoryStore {
  static std::unique_ptr<EventStore> Open(const std::string& /*name*/) { return std::make_unique<InMemoryEventStore>(); }
};

struct RocksStore {
  static std::unique_ptr<EventStore> Open(const std::string& name) {
    auto store = RocksEventStore::Open(TempDir(name));
    REQUIRE(store);
    return std::move(*store);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("Appended events read back by stream and by position", "[eventstore]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("roundtrip");
  auto r = store->Append(OneStream("account-1", ExpectedVersion::NoStream(), {"a", "b"}));
  REQUIRE(r);
  CHECK(r->first_position == 1);
  CHECK(r->last_position == 2);
  CHECK(r->versions == std::vector<StreamVersion>{2});
  REQUIRE(store->Append(OneStream("user-1", ExpectedVersion::Any(), {"c"})));
  REQUIRE(store->Append(OneStream("account-1", ExpectedVersion::Exactly(2), {"d"})));

  auto stream = store->ReadStream("account-1", 1, 100);
  REQUIRE(stream);
  REQUIRE(stream->size() == 3);
  CHECK((*stream)[0].record.body == "a");
  CHECK((*stream)[2].record.body == "d");
  CHECK((*stream)[2].version == 3);
  CHECK((*stream)[2].position == 4);
  CHECK(store->ReadStream("account-1", 3, 100)->size() == 1);
  CHECK(store->ReadStream("account-404", 1, 100)->empty());

  auto all = store->ReadAll(1, 100);
  REQUIRE(all);
  REQUIRE(all->size() == 4);
  for (std::size_t i = 0; i < all->size(); ++i) CHECK((*all)[i].position == i + 1);
  CHECK((*all)[2].stream == "user-1");
  CHECK((*all)[2].record.type == "test.Happened");

  auto category = store->ReadCategory("account", 1, 100);
  REQUIRE(category);
  CHECK(category->size() == 3);
  CHECK(store->LastPosition() == 4);
}

TEMPLATE_TEST_CASE("Each kind of version conflict is refused and writes nothing", "[eventstore][conflict]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("conflicts");
  REQUIRE(store->Append(OneStream("coupon-7", ExpectedVersion::NoStream(), {"opened"})));

  SECTION("NoStream on an existing stream") {
    auto r = store->Append(OneStream("coupon-7", ExpectedVersion::NoStream(), {"x"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kVersionConflict);
    CHECK(r.error().detail.find("coupon-7") != std::string::npos);
  }
  SECTION("Exactly a stale version") {
    REQUIRE(store->Append(OneStream("coupon-7", ExpectedVersion::Exactly(1), {"issued"})));
    auto r = store->Append(OneStream("coupon-7", ExpectedVersion::Exactly(1), {"x"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kVersionConflict);
  }
  SECTION("Exactly a version from the future") {
    auto r = store->Append(OneStream("coupon-7", ExpectedVersion::Exactly(5), {"x"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kVersionConflict);
  }
  SECTION("Exactly N on a stream that does not exist") {
    auto r = store->Append(OneStream("coupon-8", ExpectedVersion::Exactly(1), {"x"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kVersionConflict);
  }
  auto all = store->ReadAll(1, 100);
  for (const auto& e : *all) CHECK(e.record.body != "x");
  CHECK(store->ReadStream("coupon-8", 1, 10)->empty());
}

TEMPLATE_TEST_CASE("A multi-stream append is all or nothing", "[eventstore][atomic]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("atomic");
  REQUIRE(store->Append(OneStream("product-1", ExpectedVersion::NoStream(), {"created"})));
  REQUIRE(store->Append(OneStream("coupon-1", ExpectedVersion::NoStream(), {"created"})));

  AppendRequest order;
  order.streams.push_back({"order-1", ExpectedVersion::NoStream(), {MakeRecord("placed")}});
  order.streams.push_back({"product-1", ExpectedVersion::Exactly(1), {MakeRecord("reserved")}});
  order.streams.push_back({"coupon-1", ExpectedVersion::Exactly(9), {MakeRecord("reserved")}});  // stale
  auto r = store->Append(order);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == StoreErrc::kVersionConflict);
  CHECK(r.error().detail.find("coupon-1") != std::string::npos);
  CHECK(store->LastPosition() == 2);
  CHECK(store->ReadStream("order-1", 1, 10)->empty());
  CHECK(store->ReadStream("product-1", 1, 10)->size() == 1);

  order.streams[2].expected = ExpectedVersion::Exactly(1);
  auto ok = store->Append(order);
  REQUIRE(ok);
  CHECK(ok->first_position == 3);
  CHECK(ok->last_position == 5);
  CHECK(ok->versions == std::vector<StreamVersion>{1, 2, 2});
}

TEMPLATE_TEST_CASE("Two appends with one command id in one group write once", "[eventstore][idempotency]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("command-id-group");
  std::atomic<int> fresh{0}, repeats{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto r = store->Append(OneCommand("same"));
      REQUIRE(r);
      (r->duplicate ? repeats : fresh)++;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(fresh == 1);
  CHECK(repeats == 15);
  CHECK(store->LastPosition() == 1);
}

TEMPLATE_TEST_CASE("Positions have no gaps under concurrent appenders", "[eventstore][concurrency]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("gapless");
  constexpr int kWriters = 12;
  constexpr int kAppends = 300;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      StreamVersion version = 0;
      for (int i = 0; i < kAppends; ++i) {
        // Half the writers share one hot stream, with retries on conflict.
        if (w % 2 == 0) {
          auto r = store->Append(OneStream("writer-" + std::to_string(w), ExpectedVersion::Exactly(version),
                                           {"e" + std::to_string(i)}));
          REQUIRE(r);
          version = r->versions[0];
        } else {
          for (;;) {
            auto current = store->ReadStream("hot-1", 1, 100000)->size();
            auto r = store->Append(OneStream("hot-1", ExpectedVersion::Exactly(current), {"h"}));
            if (r) break;
            REQUIRE(r.error().code == StoreErrc::kVersionConflict);
            ++conflicts;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto all = store->ReadAll(1, 1'000'000);
  REQUIRE(all);
  REQUIRE(all->size() == kWriters * kAppends);
  std::map<std::string, StreamVersion> versions;
  for (std::size_t i = 0; i < all->size(); ++i) {
    REQUIRE((*all)[i].position == i + 1);
    auto& v = versions[(*all)[i].stream];
    REQUIRE((*all)[i].version == v + 1);  // versions are gap-free per stream too
    v = (*all)[i].version;
  }
  CHECK(versions["hot-1"] == (kWriters / 2) * kAppends);
  INFO("conflicts retried: " << conflicts.load());
}

TEMPLATE_TEST_CASE("Readers waiting for a position are woken by the committer", "[eventstore]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("wait");
  std::atomic<bool> woke{false};
  std::thread reader([&] { woke = store->WaitForPosition(1, std::chrono::seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  REQUIRE(store->Append(OneStream("s-1", ExpectedVersion::Any(), {"x"})));
  reader.join();
  CHECK(woke);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_FALSE(store->WaitForPosition(2, std::chrono::milliseconds(20)));
}

TEMPLATE_TEST_CASE("Bad append requests are refused whole", "[eventstore]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("bad-requests");
  CHECK(store->Append(OneStream("", ExpectedVersion::Any(), {"x"})).error().code == StoreErrc::kInvalidArgument);
  AppendRequest twice;
  twice.streams.push_back({"s-1", ExpectedVersion::Any(), {MakeRecord("a")}});
  twice.streams.push_back({"s-1", ExpectedVersion::Any(), {MakeRecord("b")}});
  CHECK(store->Append(twice).error().code == StoreErrc::kInvalidArgument);
  CHECK(store->LastPosition() == 0);
  auto empty = store->Append(AppendRequest{});
  REQUIRE(empty);
  CHECK(empty->first_position == 0);
}

TEMPLATE_TEST_CASE("A command id makes an append idempotent, with its stored payload", "[eventstore][idempotency]",
                   InMemoryStore, RocksStore) {
  auto store = TestType::Open("command-id-contract");
  auto request = OneCommand("cmd-1", "the first answer");
  auto r = store->Append(request);
  REQUIRE(r);
  CHECK_FALSE(r->duplicate);
  auto again = store->Append(request);
  REQUIRE(again);
  CHECK(again->duplicate);
  CHECK(again->first_position == r->first_position);
  CHECK(again->versions == r->versions);
  CHECK(again->command_payload == "the first answer");
  CHECK(store->LastPosition() == 1);
  auto found = store->FindCommand("cmd-1");
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->command_payload == "the first answer");
  CHECK(store->FindCommand("cmd-2")->has_value() == false);

  AppendRequest only_id;  // no events: just records the id
  only_id.command_id = "cmd-3";
  auto recorded = store->Append(only_id);
  REQUIRE(recorded);
  CHECK(recorded->first_position == 0);
  CHECK(store->FindCommand("cmd-3")->has_value());
}

TEMPLATE_TEST_CASE("AppendAsync calls back once the events are readable", "[eventstore]", InMemoryStore, RocksStore) {
  auto store = TestType::Open("append-async");
  std::promise<GlobalPosition> seen;
  store->AppendAsync(OneStream("s-1", ExpectedVersion::NoStream(), {"x"}), [&](Result<AppendResult> r) {
    REQUIRE(r);
    seen.set_value(store->LastPosition());
  });
  CHECK(seen.get_future().get() == 1);
}

TEMPLATE_TEST_CASE("Scan visits a range, stops when asked, and returns a visitor's error as-is", "[eventstore][scan]",
                   InMemoryStore, RocksStore) {
  auto store = TestType::Open("scan");
  REQUIRE(store->Append(OneStream("s-1", ExpectedVersion::Any(), {"1", "2", "3", "4", "5"})));

  std::vector<GlobalPosition> seen;
  auto ranged = store->Scan({.from = 2, .to = 4}, [&](const RecordedEventView& e) {
    seen.push_back(e.position);
    return ScanStep::kContinue;
  });
  REQUIRE(ranged);
  CHECK(*ranged == 3);
  CHECK(seen == std::vector<GlobalPosition>{2, 3, 4});

  auto limited = store->Scan({.from = 1, .limit = 2}, [](const RecordedEventView&) { return ScanStep::kContinue; });
  REQUIRE(limited);
  CHECK(*limited == 2);

  seen.clear();
  auto stopped = store->Scan({}, [&](const RecordedEventView& e) {
    seen.push_back(e.position);
    return e.position == 2 ? ScanStep::kStop : ScanStep::kContinue;
  });
  REQUIRE(stopped);
  CHECK(*stopped == 2);
  CHECK(seen == std::vector<GlobalPosition>{1, 2});

  seen.clear();
  auto failed = store->Scan({}, [&](const RecordedEventView& e) -> Result<ScanStep> {
    seen.push_back(e.position);
    if (e.position == 3) return Fail(StoreErrc::kInvalidArgument, "the visitor's own");
    return ScanStep::kContinue;
  });
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == StoreErrc::kInvalidArgument);
  CHECK(failed.error().detail == "the visitor's own");
  CHECK(seen == std::vector<GlobalPosition>{1, 2, 3});

  auto past_end = store->Scan({.from = 6}, [](const RecordedEventView&) { return ScanStep::kContinue; });
  REQUIRE(past_end);
  CHECK(*past_end == 0);
}

TEMPLATE_TEST_CASE("ScanEvents decodes only wanted events and names an undecodable one", "[eventstore][scan]",
                   InMemoryStore, RocksStore) {
  auto store = TestType::Open("scan-events");
  UserRegistered registered{.user_id = 7, .name = "ada"};
  AppendRequest request;
  request.streams.push_back({"user-7", ExpectedVersion::NoStream(), {EncodeEvent(registered, {})}});
  request.streams.push_back({"odd-1", ExpectedVersion::NoStream(), {MakeRecord("not cereal")}});  // type test.Happened
  request.streams.push_back({"user-8", ExpectedVersion::NoStream(), {MakeRecord("\x01", std::string(TypeOf(DomainEvent(registered))))}});
  REQUIRE(store->Append(request));

  SECTION("unwanted types are skipped without decoding") {
    std::vector<GlobalPosition> visited;
    auto scanned = ScanEvents(
        *store, {.to = 2}, [](std::string_view type) { return type != "test.Happened"; },
        [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
          visited.push_back(view.position);
          CHECK(std::get<UserRegistered>(event).name == "ada");
          return ScanStep::kContinue;
        });
    REQUIRE(scanned);
    CHECK(*scanned == 2);
    CHECK(visited == std::vector<GlobalPosition>{1});
  }
  SECTION("an undecodable wanted event stops the scan with its position and stream") {
    std::vector<GlobalPosition> visited;
    auto scanned = ScanEvents(*store, {}, EveryEvent, [&](const RecordedEventView& view, const DomainEvent&) -> Result<ScanStep> {
      visited.push_back(view.position);
      return ScanStep::kContinue;
    });
    REQUIRE_FALSE(scanned);
    CHECK(scanned.error().code == StoreErrc::kUnknownEventType);
    CHECK(scanned.error().detail.find("position 2") != std::string::npos);
    CHECK(scanned.error().detail.find("odd-1") != std::string::npos);
    CHECK(visited == std::vector<GlobalPosition>{1});
  }
  SECTION("a tolerant reader sees the cause and goes on") {
    std::vector<std::string> causes;
    auto scanned = ScanEvents(
        *store, {}, EveryEvent, [](const RecordedEventView&, const DomainEvent&) -> Result<ScanStep> { return ScanStep::kContinue; },
        [&](const RecordedEventView& view, const Error& cause) -> Result<ScanStep> {
          causes.push_back(std::string(view.stream) + ": " + cause.code.message());
          return ScanStep::kContinue;
        });
    REQUIRE(scanned);
    CHECK(*scanned == 3);
    REQUIRE(causes.size() == 2);
    CHECK(causes[0] == "odd-1: unknown event type");
    CHECK(causes[1] == "user-8: corrupt event record");
  }
}
