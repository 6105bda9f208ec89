// projections/projection.h
// A projection folds events into one read model. Apply() is called in log
// order, once per event, with the changes going into a batch that also
// carries the projection's checkpoint; it must not read its own pending
// changes from the store (events carry the "after" values they need).
//
// Errors: Apply fails (instead of skipping) when a record the projection
// stored cannot be read or decoded; the projector then stops that
// projection, and the changes of the failed batch are not written.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "eventstore/event_store.h"
#include "projections/read_model_store.h"

namespace eventmart {

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view name() const = 0;
  // The layout of the read model's keys and records. Raise it whenever a
  // change makes what an older build stored unreadable or incomplete: a
  // read model stored in another format is rebuilt from the log at start
  // (read_model_format.h), never decoded.
  virtual std::uint32_t format_version() const { return 1; }
  [[nodiscard]] virtual Result<void> Apply(const RecordedEventView& view, const DomainEvent& event,
                                           ReadModelWriter& out) = 0;
  // Whether Apply does anything with events of this type. Events no
  // projection wants are not even decoded (a test checks that Apply writes
  // nothing for the types a projection says it does not want).
  virtual bool Wants(std::string_view event_type) const = 0;

  // Projections that also keep state in memory load it here, from what
  // they stored, before the projector resumes them.
  virtual Result<void> Load(const ReadModelReader&) { return {}; }

  // The batch holding what Apply wrote since the last call is durable in
  // the store (called by whoever wrote it, after the write succeeded).
  // State kept in memory beside the read model takes in new events here,
  // not in Apply, when it must later find in the store exactly what it
  // took in (the best sellers read back the sales that age out).
  virtual void Committed() {}

  // A rebuilt copy is about to replace `old` (same name): take over what
  // others hold of it (the best sellers' ranking, which queries share).
  virtual void TakeOver(Projection& /*old*/) {}
};

// For Wants(): true if `type` is one of the events E.
template <class... E>
bool IsOneOf(std::string_view type) {
  return ((type == E::kType) || ...);
}

// A projection named Self::kName that folds the events E...: its name and
// Wants() written once, from the list of events it folds.
template <class Self, class... E>
class FoldOf : public Projection {
 public:
  std::string_view name() const final { return Self::kName; }
  bool Wants(std::string_view type) const final { return IsOneOf<E...>(type); }
};

// One page of a list that pages by key: the items, and the key to go on
// from (0 on the last page).
template <class Item, class Key>
struct Page {
  std::vector<Item> items;
  Key next = 0;
};

// Makes a fresh instance of a projection by name, for online rebuilds.
using ProjectionFactory = std::function<std::unique_ptr<Projection>(std::string_view name)>;

}  // namespace eventmart
