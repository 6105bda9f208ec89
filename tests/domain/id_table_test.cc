// The write model's tables (domain/id_table.h): a dense table answers as a
// hash map would, whatever ids it is given and in whatever order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "domain/account.h"
#include "domain/id_table.h"

using namespace eventmart;

namespace {

using Dense = DenseTable<UserId, AccountState>;
using Entry = Dense::Entry;

Entry At(StreamVersion version, Money balance) { return Entry{.state = {.balance = balance}, .version = version}; }

// Every entry, by id, as ForEach gives them.
std::map<std::int64_t, Entry> Entries(const Dense& table) {
  std::map<std::int64_t, Entry> out;
  table.ForEach([&](UserId id, const Entry& entry) { out.emplace(id.value(), entry); });
  return out;
}

}  // namespace

TEST_CASE("A dense table holds what it was given, and nothing else", "[domain][tables]") {
  Dense table;
  // Given entries 1 and 3
  table.Put(1, At(1, 100));
  table.Advance(3, 2).state.balance = 300;
  // Then they are found, at their versions, and 2 and 4 are not
  REQUIRE(table.Find(1) != nullptr);
  CHECK(*table.Find(1) == At(1, 100));
  CHECK(*table.Find(3) == At(2, 300));
  CHECK(table.Find(2) == nullptr);
  CHECK(table.Find(4) == nullptr);
  CHECK(table.Find(0) == nullptr);
  CHECK(table.Find(-1) == nullptr);
  CHECK(table.size() == 2);
  // When 1 is advanced again it keeps its state and takes the new version
  table.Advance(1, 5);
  CHECK(*table.Find(1) == At(5, 100));
  CHECK(table.size() == 2);
  // When 3 is erased, it is gone
  table.Erase(3);
  CHECK(table.Find(3) == nullptr);
  CHECK(table.size() == 1);
  CHECK(Entries(table) == std::map<std::int64_t, Entry>{{1, At(5, 100)}});
}

TEST_CASE("Ids far past what a dense table holds overflow, and move in once the table reaches them",
          "[domain][tables]") {
  Dense table;
  // Given an id no table of two entries should allocate for, and ids <= 0
  table.Put(1'000'000'000'000, At(1, 1));
  table.Put(-5, At(1, 2));
  table.Put(0, At(1, 3));
  table.Put(1, At(1, 4));
  // Then all are found, and the table did not grow a slot per id
  CHECK(table.size() == 4);
  CHECK(*table.Find(1'000'000'000'000) == At(1, 1));
  CHECK(*table.Find(-5) == At(1, 2));
  CHECK(*table.Find(0) == At(1, 3));
  CHECK(*table.Find(1) == At(1, 4));

  // Given an id just past the slack, then the ids below it one by one
  Dense grown;
  grown.Put(5000, At(1, 5000));
  for (std::int64_t id = 1; id < 5000; ++id) grown.Put(id, At(1, id));
  // Then every one is found once, including the one that overflowed first
  CHECK(grown.size() == 5000);
  auto entries = Entries(grown);
  CHECK(entries.size() == 5000);
  CHECK(entries.begin()->first == 1);
  CHECK(entries.rbegin()->first == 5000);
  CHECK(*grown.Find(5000) == At(1, 5000));
}

TEST_CASE("A dense table filled in any order equals one filled in id order", "[domain][tables]") {
  std::vector<std::int64_t> ids(20'000);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(i) + 1;
  std::mt19937_64 random(7);
  std::shuffle(ids.begin(), ids.end(), random);
  // Given one table reserved and filled in a hash map's order (a snapshot's),
  // one not reserved and filled in shuffled order, and one in id order
  Dense reserved, unreserved, ordered;
  reserved.Reserve(ids.size());
  for (auto id : ids) {
    reserved.Put(id, At(1, id * 10));
    unreserved.Put(id, At(1, id * 10));
  }
  for (std::int64_t id = 1; id <= static_cast<std::int64_t>(ids.size()); ++id) ordered.Put(id, At(1, id * 10));
  // Then all three hold the same entries and compare equal
  CHECK(reserved == ordered);
  CHECK(unreserved == ordered);
  CHECK(Entries(reserved) == Entries(ordered));
  // And a table that differs in one version does not
  ordered.Advance(77, 2);
  CHECK_FALSE(reserved == ordered);
}

TEST_CASE("A sparse table answers as a dense one", "[domain][tables]") {
  SparseTable<UserId, AccountState> sparse;
  Dense dense;
  for (std::int64_t id : {3, 1, 900'000, 2}) {
    sparse.Put(id, At(1, id));
    dense.Put(id, At(1, id));
  }
  sparse.Advance(2, 4).state.balance = 7;
  dense.Advance(2, 4).state.balance = 7;
  sparse.Erase(3);
  dense.Erase(3);
  std::map<std::int64_t, Entry> from_sparse;
  sparse.ForEach([&](UserId id, const Entry& entry) { from_sparse.emplace(id.value(), entry); });
  CHECK(from_sparse == Entries(dense));
  CHECK(sparse.size() == dense.size());
  CHECK(*sparse.Find(2) == At(4, 7));
  CHECK(sparse.Find(3) == nullptr);
}
