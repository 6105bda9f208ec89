#include "eventstore/rocks_event_store.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/slice_transform.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "eventstore/rocks_wal.h"
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

TEST_CASE("A command id makes an append idempotent, also after reopening", "[eventstore][idempotency]") {
  std::string dir = TempDir("command-id");
  AppendResult first;
  {
    auto store = OpenStore(dir);
    auto request = OneCommand("cmd-1", "the first answer");
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
  auto r = store->Append(OneCommand("cmd-1"));
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
        {rocksdb::kDefaultColumnFamilyName, {}}, {"log", {}}, {"streams", {}}, {"commands", {}}, {"command_expiry", {}}};
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


TEST_CASE("Given more streams than the head cache holds, expected versions are still checked exactly",
          "[eventstore][heads]") {
  std::string dir = TempDir("head-cache");
  auto opened = RocksEventStore::Open(dir, {.head_cache_entries = 4});
  REQUIRE(opened);
  auto& store = **opened;
  auto append = [&](const std::string& stream, ExpectedVersion expected) {
    AppendRequest request;
    request.streams.push_back({.stream = stream, .expected = expected, .events = {EventRecord{.type = "t.E", .body = "x"}}});
    return store.Append(std::move(request));
  };
  for (int i = 0; i < 40; ++i) REQUIRE(append("s-" + std::to_string(i), ExpectedVersion::NoStream()));
  for (int i = 0; i < 40; ++i) {
    auto second = append("s-" + std::to_string(i), ExpectedVersion::Exactly(1));
    INFO((second ? std::string("ok") : second.error().Describe()));
    REQUIRE(second);
  }
  // Long out of the cache: the versions come from the stream index.
  for (int i = 0; i < 40; ++i) {
    auto stale = append("s-" + std::to_string(i), ExpectedVersion::Exactly(1));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == StoreErrc::kVersionConflict);
    CHECK(append("s-" + std::to_string(i), ExpectedVersion::NoStream()).error().code == StoreErrc::kVersionConflict);
  }
  CHECK(append("s-0", ExpectedVersion::Exactly(2)));
  CHECK(store.LastPosition() == 81);
}

TEST_CASE("Given a quiet store restarted many times, its WAL files stay bounded and every event stays", "[eventstore][wal]") {
  std::string dir = TempDir("wal-restarts");
  auto wal_files = [&] {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.path().extension() == ".log";
    return n;
  };
  std::size_t most = 0;
  for (int start = 0; start < 3 * static_cast<int>(kMaxKeptWalFiles); ++start) {
    auto store = OpenStore(dir);
    REQUIRE(store->Append(OneCommand("cmd-" + std::to_string(start), "answer")));
    most = std::max(most, wal_files());
    // The flush a start asks for runs in the background (a server runs on
    // long after it); a store closed at once would cancel it.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (wal_files() > kMaxKeptWalFiles + 2 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(wal_files() <= kMaxKeptWalFiles + 2);
  }
  // Each start keeps its WAL in memtables (no flush at open), so files
  // accumulate until a start finds more than kMaxKeptWalFiles.
  CHECK(most > kMaxKeptWalFiles / 2);
  auto store = OpenStore(dir);
  CHECK(store->LastPosition() == 3 * kMaxKeptWalFiles);
}

TEST_CASE("Given a store closed with a large WAL, the next start lets it go and every event stays", "[eventstore][wal]") {
  std::string dir = TempDir("wal-large");
  auto wal_bytes = [&] {
    std::uint64_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".log") n += entry.file_size();
    }
    return n;
  };
  // Given 2,000 events of 10 KB: more WAL than kMaxKeptWalBytes, less than a memtable
  {
    auto store = OpenStore(dir);
    for (int i = 0; i < 2000; ++i) {
      AppendRequest request;
      request.streams.push_back({.stream = "s-" + std::to_string(i), .expected = ExpectedVersion::NoStream(),
                                 .events = {EventRecord{.type = "t.E", .body = std::string(10'000, 'x')}}});
      REQUIRE(store->Append(std::move(request)));
    }
  }
  REQUIRE(wal_bytes() > kMaxKeptWalBytes);
  // When it starts again, the WAL it replayed is flushed in the background
  {
    auto store = OpenStore(dir);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (wal_bytes() > kMaxKeptWalBytes && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(wal_bytes() <= kMaxKeptWalBytes);
    CHECK(store->LastPosition() == 2000);
  }
  // Then a later start finds every event
  auto store = OpenStore(dir);
  CHECK(store->LastPosition() == 2000);
  auto last = store->ReadStream("s-1999", 0, 10);
  REQUIRE(last);
  REQUIRE(last->size() == 1);
  CHECK(last->front().record.body.size() == 10'000);
}
