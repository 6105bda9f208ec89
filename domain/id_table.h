// domain/id_table.h
// The write model's tables: the state of each aggregate of one kind, with
// its stream's version, by id. Two layouts, one interface:
//
//   DenseTable   a vector indexed by id, for kinds whose ids are handed out
//                1, 2, 3... and never taken back (users, products). An
//                entry costs its own size, not a hash node's, and a snapshot
//                refills it without hashing or allocating per entry.
//   SparseTable  a hash map, for kinds whose entries come and go (unpaid
//                orders, carts), where a vector would keep every hole.
//
// An entry exists once it is at a version >= 1 (a stream's first event is
// version 1), so the dense layout needs no flag of its own. Ids far past
// what the table holds (or <= 0) go to a small overflow map instead of
// growing the vector: memory stays proportional to the entries, whatever
// ids the events carry.
//
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/ids.h"

namespace eventmart {

template <class State>
struct Versioned {
  State state;
  StreamVersion version = 0;

  friend bool operator==(const Versioned&, const Versioned&) = default;
};

template <class IdT, class State>
class DenseTable {
 public:
  using Id = IdT;
  using Entry = Versioned<State>;

  const Entry* Find(Id id) const {
    if (InSlots(id)) {
      const Entry& entry = slots_[Index(id)];
      return entry.version != 0 ? &entry : nullptr;
    }
    auto it = overflow_.find(id);
    return it == overflow_.end() ? nullptr : &it->second;
  }

  // The entry of `id` (created if new), now at `version` (>= 1).
  Entry& Advance(Id id, StreamVersion version) {
    assert(version != 0);
    Entry& entry = Slot(id);
    entry.version = version;
    return entry;
  }

  // Sets the entry of `id`; entry.version must be >= 1.
  void Put(Id id, Entry entry) {
    assert(entry.version != 0);
    Slot(id) = std::move(entry);
  }

  void Erase(Id id) {
    if (InSlots(id)) {
      Entry& entry = slots_[Index(id)];
      if (entry.version != 0) --in_slots_;
      entry = Entry{};
      return;
    }
    overflow_.erase(id);
  }

  std::size_t size() const { return in_slots_ + overflow_.size(); }
  // Room for n entries: ids up to about 2n go straight to the vector,
  // whatever order they come in (a snapshot of a hash map's order).
  void Reserve(std::size_t n) {
    reserved_ = std::max(reserved_, n);
    slots_.reserve(n + 1);
  }

  // Calls visit(id, entry) for every entry: the dense ones in id order.
  template <class Visit>
  void ForEach(Visit&& visit) const {
    for (std::size_t i = 1; i < slots_.size(); ++i) {
      if (slots_[i].version != 0) visit(Id(static_cast<std::int64_t>(i)), slots_[i]);
    }
    for (const auto& [id, entry] : overflow_) visit(id, entry);
  }

  // The same entries, however they are laid out.
  friend bool operator==(const DenseTable& a, const DenseTable& b) {
    if (a.size() != b.size()) return false;
    bool same = true;
    a.ForEach([&](Id id, const Entry& entry) {
      const Entry* other = b.Find(id);
      same = same && other != nullptr && *other == entry;
    });
    return same;
  }

 private:
  // Ids past this many more than the table holds go to the overflow map.
  static constexpr std::size_t kSlack = 1024;

  static std::size_t Index(Id id) { return static_cast<std::size_t>(id.value()); }
  bool InSlots(Id id) const { return id > 0 && Index(id) < slots_.size(); }

  // The entry of `id`, default-constructed (version 0) if new, counted as
  // held: every caller gives it a version >= 1 at once.
  Entry& Slot(Id id) {
    if (!InSlots(id) && id > 0 && Index(id) <= 2 * std::max(size(), reserved_) + kSlack) Grow(Index(id) + 1);
    if (!InSlots(id)) return overflow_[id];
    Entry& entry = slots_[Index(id)];
    if (entry.version == 0) ++in_slots_;
    return entry;
  }

  // Grows by half at least, so that the overflow is walked a logarithmic
  // number of times however the ids arrive.
  void Grow(std::size_t slots) {
    slots_.resize(std::max(slots, slots_.size() + slots_.size() / 2));
    // Entries that overflowed before the vector reached them move in.
    for (auto it = overflow_.begin(); it != overflow_.end();) {
      if (InSlots(it->first)) {
        slots_[Index(it->first)] = std::move(it->second);
        ++in_slots_;
        it = overflow_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<Entry> slots_;  // slots_[id]; slot 0 is never used
  std::size_t in_slots_ = 0;  // entries at version >= 1 in slots_
  std::size_t reserved_ = 0;  // the largest Reserve
  std::unordered_map<Id, Entry> overflow_;
};

template <class IdT, class State>
class SparseTable {
 public:
  using Id = IdT;
  using Entry = Versioned<State>;

  const Entry* Find(Id id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  Entry& Advance(Id id, StreamVersion version) {
    Entry& entry = entries_[id];
    entry.version = version;
    return entry;
  }
  void Put(Id id, Entry entry) { entries_.insert_or_assign(id, std::move(entry)); }
  void Erase(Id id) { entries_.erase(id); }

  std::size_t size() const { return entries_.size(); }
  void Reserve(std::size_t n) { entries_.reserve(n); }

  template <class Visit>
  void ForEach(Visit&& visit) const {
    for (const auto& [id, entry] : entries_) visit(id, entry);
  }

  friend bool operator==(const SparseTable&, const SparseTable&) = default;

 private:
  std::unordered_map<Id, Entry> entries_;
};

}  // namespace eventmart
