// Kills a writing process at random moments and checks that every event it
// acknowledged survived, with positions still gap-free.
#include <signal.h>

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "eventstore/rocks_event_store.h"
#include "tests/support/process.h"

using namespace eventmart;
using namespace eventmart::testing;

TEST_CASE("Acknowledged appends survive SIGKILL at random moments", "[eventstore][crash][slow]") {
  std::string dir = TempDir("crash");
  std::mt19937 rng(std::random_device{}());
  struct Ack {
    std::string stream;
    StreamVersion version;
  };
  std::map<GlobalPosition, Ack> acked;
  constexpr int kRounds = 24;
  for (int round = 0; round < kRounds; ++round) {
    Process child({CRASH_CHILD_BIN, dir});
    std::string line;
    REQUIRE(child.ReadLine(&line));
    REQUIRE(line == "ready");
    auto record = [&](const std::string& text) {
      std::istringstream in(text);
      std::string word, stream;
      GlobalPosition position;
      StreamVersion version;
      if (in >> word >> position >> stream >> version && word == "ack") acked[position] = {stream, version};
    };
    auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(rng));
    auto until = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < until) {
      if (child.ReadLine(&line, 5)) record(line);
    }
    child.Signal(SIGKILL);
    // Whatever the child printed before it died was acknowledged.
    while (child.ReadLine(&line, 2000)) record(line);
    CHECK(child.Wait() == 128 + SIGKILL);
  }
  REQUIRE(acked.size() > 100);

  auto store = RocksEventStore::Open(dir);
  REQUIRE(store);
  auto all = (*store)->ReadAll(1, ~std::size_t{0});
  REQUIRE(all);
  std::size_t position_gaps = 0, version_gaps = 0;
  std::map<std::string, StreamVersion> versions;
  for (std::size_t i = 0; i < all->size(); ++i) {
    const auto& e = (*all)[i];
    if (e.position != i + 1) ++position_gaps;
    if (e.version != versions[e.stream] + 1) ++version_gaps;
    versions[e.stream] = e.version;
  }
  CHECK(position_gaps == 0);
  CHECK(version_gaps == 0);
  std::size_t missing = 0;
  for (const auto& [position, ack] : acked) {
    if (position > all->size() || (*all)[position - 1].stream != ack.stream ||
        (*all)[position - 1].version != ack.version) {
      ++missing;
    }
  }
  INFO("acknowledged " << acked.size() << ", stored " << all->size());
  CHECK(missing == 0);
}
