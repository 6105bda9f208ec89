// The store's side of a cluster: every commit group goes to a Replicator
// before it is written, and a follower applies those batches at the same
// positions (eventstore/replicator.h, RocksEventStore::ApplyReplicated).
#include <catch2/catch.hpp>

#include <mutex>
#include <vector>

#include "eventstore/replicator.h"
#include "eventstore/rocks_event_store.h"
#include "eventstore/store_errors.h"
#include "tests/support/store_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

// Keeps every batch it is handed; refuses all of them once `refuse` is set.
class RecordingReplicator final : public Replicator {
 public:
  Result<void> Replicate(std::uint64_t sequence, std::string_view batch) override {
    std::lock_guard lock(mu_);
    if (refuse) return Fail(StoreErrc::kNotLeader, "refused by the test");
    batches.emplace_back(sequence, std::string(batch));
    return {};
  }
  std::mutex mu_;
  bool refuse = false;
  std::vector<std::pair<std::uint64_t, std::string>> batches;
};

std::unique_ptr<RocksEventStore> OpenStore(const std::string& dir) {
  auto store = RocksEventStore::Open(dir);
  REQUIRE(store);
  return std::move(*store);
}

// Every event as "position stream version type body", in log order.
std::vector<std::string> Dump(const EventStore& store) {
  std::vector<std::string> out;
  auto scanned = store.Scan({}, [&](const RecordedEventView& e) -> Result<ScanStep> {
    out.push_back(std::to_string(e.position) + " " + std::string(e.stream) + " " + std::to_string(e.version) + " " +
                  std::string(e.type) + " " + std::string(e.body) + " " + FormatEventId(e.id));
    return ScanStep::kContinue;
  });
  REQUIRE(scanned);
  return out;
}

}  // namespace

TEST_CASE("A follower that applies the leader's batches has the same log, index and idempotency records",
          "[eventstore][cluster]") {
  // Given a leader store whose groups go through a replicator
  RecordingReplicator replicator;
  auto leader = OpenStore(TempDir("replication-leader"));
  leader->SetReplicator(&replicator);
  REQUIRE(leader->Append(OneStream("order-1", ExpectedVersion::NoStream(), {"placed", "paid"})));
  REQUIRE(leader->Append(OneCommand("idem/k1", "the answer")));
  auto rejected = OneStream("order-9", ExpectedVersion::NoStream(), {});
  rejected.streams.clear();
  rejected.command_id = "idem/rejected";  // a rejection with a key: no event, one record
  rejected.command_payload = "409";
  REQUIRE(leader->Append(rejected));
  REQUIRE(replicator.batches.size() == 3);
  CHECK(replicator.batches[0].first == 1);
  CHECK(replicator.batches[2].first == 3);
  CHECK(leader->ReplicatedSequence() == 3);

  // When a follower applies them in order
  auto follower = OpenStore(TempDir("replication-follower"));
  for (auto& [sequence, batch] : replicator.batches) REQUIRE(follower->ApplyReplicated(sequence, batch));

  // Then it holds the same events at the same positions, the same records, the same streams
  CHECK(Dump(*follower) == Dump(*leader));
  CHECK(follower->LastPosition() == 3);
  CHECK(follower->ReplicatedSequence() == 3);
  auto record = follower->FindCommand("idem/k1");
  REQUIRE(record);
  REQUIRE(record->has_value());
  CHECK((*record)->command_payload == "the answer");
  CHECK((*record)->first_position == 3);
  auto rejection = follower->FindCommand("idem/rejected");
  REQUIRE(rejection);
  CHECK(rejection->has_value());
  auto stream = follower->ReadStream("order-1", 1, 10);
  REQUIRE(stream);
  CHECK(stream->size() == 2);

  // And when it later leads, it appends after them with the right stream versions
  RecordingReplicator next;
  follower->SetReplicator(&next);
  auto conflict = follower->Append(OneStream("order-1", ExpectedVersion::Exactly(1), {"late"}));
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == make_error_code(StoreErrc::kVersionConflict));
  auto appended = follower->Append(OneStream("order-1", ExpectedVersion::Exactly(2), {"shipped"}));
  REQUIRE(appended);
  CHECK(appended->first_position == 4);
  REQUIRE(next.batches.size() == 1);
  CHECK(next.batches[0].first == 4);
}

TEST_CASE("A group the replicator refuses is not written and its appends fail", "[eventstore][cluster]") {
  // Given a store whose replicator refuses (a deposed leader)
  RecordingReplicator replicator;
  std::string dir = TempDir("replication-refused");
  {
    auto store = OpenStore(dir);
    store->SetReplicator(&replicator);
    REQUIRE(store->Append(OneStream("order-1", ExpectedVersion::NoStream(), {"placed"})));
    replicator.refuse = true;

    // When a command is appended
    auto refused = store->Append(OneCommand("idem/k2", "answer"));

    // Then it fails as not the leader, and nothing of it is visible, also after reopening
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == make_error_code(StoreErrc::kNotLeader));
    CHECK(store->LastPosition() == 1);
    auto record = store->FindCommand("idem/k2");
    REQUIRE(record);
    CHECK_FALSE(record->has_value());
  }
  auto reopened = OpenStore(dir);
  CHECK(reopened->LastPosition() == 1);
  CHECK(reopened->ReplicatedSequence() == 1);
}

TEST_CASE("A replicated batch out of sequence is refused and changes nothing", "[eventstore][cluster]") {
  // Given the batches of a leader
  RecordingReplicator replicator;
  auto leader = OpenStore(TempDir("replication-gap-leader"));
  leader->SetReplicator(&replicator);
  REQUIRE(leader->Append(OneStream("a-1", ExpectedVersion::Any(), {"x"})));
  REQUIRE(leader->Append(OneStream("a-1", ExpectedVersion::Any(), {"y"})));
  auto follower = OpenStore(TempDir("replication-gap-follower"));

  // When a follower is handed the second before the first, or a batch twice
  auto skipped = follower->ApplyReplicated(2, replicator.batches[1].second);
  REQUIRE(follower->ApplyReplicated(1, replicator.batches[0].second));
  auto repeated = follower->ApplyReplicated(1, replicator.batches[0].second);
  auto garbage = follower->ApplyReplicated(2, "not a batch");

  // Then each is refused, and the log holds exactly the first
  REQUIRE_FALSE(skipped);
  CHECK(skipped.error().code == make_error_code(StoreErrc::kOutOfSequence));
  REQUIRE_FALSE(repeated);
  CHECK(repeated.error().code == make_error_code(StoreErrc::kOutOfSequence));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == make_error_code(StoreErrc::kCorruption));
  CHECK(follower->LastPosition() == 1);
  CHECK(follower->ReplicatedSequence() == 1);
}
