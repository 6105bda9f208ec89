#include "eventstore/rocks_event_store.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/slice_transform.h>

#include <atomic>
#include <set>
#include <thread>

#include "eventstore/store_errors.h"
#include "tests/support/store_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::unique_ptr<RocksEventStore> OpenStore(const std::string& dir) {
  auto store = RocksEventStore::Open(dir);
  REQUIRE(store);
  return std::move(*store);
}

}  // namespace

TEST_CASE("Appended events read back by stream and by position", "[eventstore]") {
  auto store = OpenStore(TempDir("roundtrip"));
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

TEST_CASE("Each kind of version conflict is refused and writes nothing", "[eventstore][conflict]") {
  auto store = OpenStore(TempDir("conflicts"));
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

TEST_CASE("A multi-stream append is all or nothing", "[eventstore][atomic]") {
  auto store = OpenStore(TempDir("atomic"));
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

TEST_CASE("A command id makes an append idempotent, also after reopening", "[eventstore][idempotency]") {
  std::string dir = TempDir("command-id");
  AppendResult first;
  {
    auto store = OpenStore(dir);
    auto request = OneStream("account-1", ExpectedVersion::Any(), {"charged"});
    request.command_id = "cmd-1";
    request.command_payload = "the first answer";
    auto r = store->Append(request);
    REQUIRE(r);
    CHECK_FALSE(r->duplicate);
    first = *r;
    auto again = store->Append(request);
    REQUIRE(again);
    CHECK(again->duplicate);
    CHECK(again->first_position == first.first_position);
    CHECK(again->command_payload == "the first answer");
    CHECK(store->LastPosition() == 1);
  }
  auto store = OpenStore(dir);
  auto request = OneStream("account-1", ExpectedVersion::Any(), {"charged"});
  request.command_id = "cmd-1";
  auto r = store->Append(request);
  REQUIRE(r);
  CHECK(r->duplicate);
  CHECK(r->last_position == first.last_position);
  CHECK(r->versions == first.versions);
  CHECK(r->command_payload == "the first answer");
  CHECK(store->LastPosition() == 1);
  auto found = store->FindCommand("cmd-1");
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK(store->FindCommand("cmd-2")->has_value() == false);
}

TEST_CASE("Two appends with one command id in one group write once", "[eventstore][idempotency]") {
  auto store = OpenStore(TempDir("command-id-group"));
  std::atomic<int> fresh{0}, repeats{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto request = OneStream("account-1", ExpectedVersion::Any(), {"charged"});
      request.command_id = "same";
      auto r = store->Append(request);
      REQUIRE(r);
      (r->duplicate ? repeats : fresh)++;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(fresh == 1);
  CHECK(repeats == 15);
  CHECK(store->LastPosition() == 1);
}

TEST_CASE("Positions have no gaps under concurrent appenders", "[eventstore][concurrency]") {
  auto store = OpenStore(TempDir("gapless"));
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

TEST_CASE("Readers waiting for a position are woken by the committer", "[eventstore]") {
  auto store = OpenStore(TempDir("wait"));
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

TEST_CASE("Another process's view: a reader instance sees a live store", "[eventstore][reader]") {
  std::string dir = TempDir("reader");
  auto store = OpenStore(dir);
  REQUIRE(store->Append(OneStream("s-1", ExpectedVersion::Any(), {"one"})));
  auto reader = RocksEventStore::OpenReader(dir);
  REQUIRE(reader);
  CHECK((*reader)->LastPosition() == 1);
  REQUIRE(store->Append(OneStream("s-1", ExpectedVersion::Any(), {"two"})));
  auto caught = (*reader)->CatchUp();
  REQUIRE(caught);
  CHECK(*caught == 2);
  CHECK((*reader)->ReadStream("s-1", 1, 10)->size() == 2);
  auto writes = (*reader)->Append(OneStream("s-1", ExpectedVersion::Any(), {"nope"}));
  CHECK_FALSE(writes);
  auto second = RocksEventStore::Open(dir);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == StoreErrc::kBusy);
}

TEST_CASE("A corrupt stored event gives a clear error", "[eventstore][corruption]") {
  std::string dir = TempDir("corrupt");
  {
    auto store = OpenStore(dir);
    REQUIRE(store->Append(OneStream("s-1", ExpectedVersion::Any(), {"one", "two", "three"})));
  }
  {
    // Overwrite position 2 behind the store's back.
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"log", {}}, {"streams", {}}, {"commands", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::Options options;
    rocksdb::ColumnFamilyOptions streams;
    streams.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
    families[2].options = streams;
    REQUIRE(rocksdb::DB::Open(options, dir, families, &handles, &db).ok());
    std::string key("\0\0\0\0\0\0\0\x02", 8);
    REQUIRE(db->Put({}, handles[1], key, "\xE7\x01\xff\xff").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto store = OpenStore(dir);
  std::vector<GlobalPosition> seen;
  auto scanned = store->Scan({}, [&](const RecordedEventView& e) {
    seen.push_back(e.position);
    return ScanStep::kContinue;
  });
  REQUIRE_FALSE(scanned);
  CHECK(scanned.error().code == StoreErrc::kCorruption);
  CHECK(scanned.error().detail.find("position 2") != std::string::npos);
  CHECK(seen == std::vector<GlobalPosition>{1});
}

TEST_CASE("Bad append requests are refused whole", "[eventstore]") {
  auto store = OpenStore(TempDir("bad-requests"));
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
