// tests/projections/fold_harness.h
// Given/when/then for one projection, on a read-model store held in memory
// (ReadModelStore::OpenInMemory: RocksDB over its in-memory Env, no disk).
// Events are folded the way the projector folds them -- Wants() first, then
// Apply() into a batch of pending changes that reads through to what is
// stored, written in one go -- so a test exercises the real fold and the
// real queries, and nothing else.
#pragma once

#include <catch2/catch.hpp>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/codec.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace eventmart::testing {

inline constexpr TimeMs kFoldEpochMs = 1'700'000'000'000;

class FoldHarness {
 public:
  // Folds into every one of `projections` (a query may read two: the cart
  // takes names and prices from the catalog).
  explicit FoldHarness(std::vector<Projection*> projections) : projections_(std::move(projections)) {
    auto views = ReadModelStore::OpenInMemory();
    REQUIRE(views);
    views_ = std::move(*views);
  }
  explicit FoldHarness(Projection& projection) : FoldHarness(std::vector<Projection*>{&projection}) {}

  // Folds `events` in order, as one batch (log positions go on from the
  // last call; each event occurs one second after the one before). Fails
  // with the first error a fold returns; then nothing of the batch is written.
  [[nodiscard]] Result<void> Fold(std::initializer_list<DomainEvent> events) {
    auto written = FoldUnannounced(events);
    if (written) AnnounceCommitted();
    return written;
  }

  // Fold() in two steps, as the projector takes them: the batch is written,
  // and only then are the projections told it is durable (Committed). A
  // test runs a query in between.
  [[nodiscard]] Result<void> FoldUnannounced(std::initializer_list<DomainEvent> events) {
    PendingChanges batch;
    std::vector<ReadModelWriter> writers;
    for (auto* p : projections_) writers.emplace_back(batch, views_->db(), views_->SlotOf(p->name()));
    for (const auto& event : events) {
      ++position_;
      std::string stream = StreamOf(event);
      RecordedEventView view{.stream = stream, .version = 1, .position = position_, .id = {}, .type = TypeOf(event),
                             .occurred_at_ms = OccurredAt(position_)};
      for (std::size_t i = 0; i < projections_.size(); ++i) {
        if (!projections_[i]->Wants(view.type)) continue;  // never decoded, never applied
        if (auto applied = projections_[i]->Apply(view, event, writers[i]); !applied) return applied;
      }
    }
    return views_->Write(batch);
  }
  void AnnounceCommitted() {
    for (auto* p : projections_) p->Committed();
  }

  // When an event at `position` occurred.
  static TimeMs OccurredAt(GlobalPosition position) { return kFoldEpochMs + static_cast<TimeMs>(position) * 1000; }

  // Reads of the (first) projection's read model, or of the one named.
  ReadModelReader Reader() const { return views_->Reader(projections_.front()->name()); }
  ReadModelReader Reader(std::string_view projection) const { return views_->Reader(projection); }
  ReadModelStore& views() { return *views_; }
  GlobalPosition position() const { return position_; }

  // Overwrites one stored record of the (first) projection (key without
  // its prefix) with `bytes`: a record as a bug or a bad disk might leave it.
  void Damage(std::string_view key, std::string_view bytes) {
    PendingChanges batch;
    batch.Put(views_->SlotOf(projections_.front()->name()) + std::string(key), bytes);
    REQUIRE(views_->Write(batch));
  }

 private:
  std::vector<Projection*> projections_;
  std::unique_ptr<ReadModelStore> views_;
  GlobalPosition position_ = 0;
};

// The error a Result holds ("" when it holds a value), for CHECKs that read.
template <class T>
std::error_code ErrorOf(const Result<T>& result) {
  return result ? std::error_code() : result.error().code;
}

// Then a find found something: what it found (a failed read, or nothing
// found, fails the test).
template <class T>
std::optional<T> Found(const Result<std::optional<T>>& result) {
  REQUIRE(result);
  REQUIRE(*result);
  return *result;
}

// Then `result` failed as a damaged record fails: kCorruption, with the
// damaged key (`key`, e.g. "orders/o") named in its detail.
template <class T>
void CheckCorruptionNaming(const Result<T>& result, std::string_view key) {
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ReadModelErrc::kCorruption);
  CHECK(result.error().detail.find(key) != std::string::npos);
}

// The setting most projection scenarios start from: the projection, a
// harness folding into it (`given`) and the queries over its read model
// (`q`). For SCENARIO_METHOD, so that a scenario opens at its GIVEN.
template <class P, class Q>
struct ProjectionScenario {
  P projection;
  FoldHarness given{projection};
  Q q{given.Reader()};
};

// A product (id 1) with two options, given their ids 11 and 12.
inline ProductCreated ProductWithTwoOptions(std::string name, ProductOption first, ProductOption second) {
  first.option_id = 11;
  second.option_id = 12;
  return ProductCreated{.product_id = 1, .name = std::move(name), .options = {std::move(first), std::move(second)}};
}

}  // namespace eventmart::testing
