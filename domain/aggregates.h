// domain/aggregates.h
// The current state of every aggregate, folded from events, each with its
// stream's version (the expected version of the next append to it). It is
// the command side's write model and the "given" of domain tests.
//
// Which state an event folds into follows from the types alone: an event
// names its stream kind (events.h), each state names the kind it is folded
// from, and Evolve(state, event) is found by overload. Adding an event type
// needs no table here.
//
// Memory holds what decisions need, not the history: an order that is paid,
// cancelled or expired can never change again (nor can a decided
// waiting-room request), so EvictFinished() lets it go, and the command side reads it back from its stream (Restore)
// when a command names it. Eviction waits for that call, not the fold, so a
// reply built right after a decision still sees the order it closed.
//
// Not thread-safe: one owner (the command processor's decider thread).
#pragma once

#include <optional>
#include <set>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/events.h"
#include "domain/id_table.h"
#include "domain/state.h"

namespace eventmart {

// How many aggregates of each kind are held in memory.
struct AggregateCounts {
  std::size_t users = 0;
  std::size_t accounts = 0;
  std::size_t products = 0;
  std::size_t coupons = 0;
  std::size_t coupon_holders = 0;
  std::size_t carts = 0;
  std::size_t orders = 0;  // unpaid ones, and finished ones not yet evicted
};

class Aggregates final : public StateView {
 public:
  // Folds one event recorded at `version` of its stream.
  void Evolve(const DomainEvent& event, StreamVersion version);
  // The current version of the stream `event` goes to (0 = a new stream).
  StreamVersion VersionOf(const DomainEvent& event) const;

  const UserState* FindUser(UserId id) const override { return Find(Table<UserState>(), id); }
  const AccountState* FindAccount(UserId id) const override { return Find(Table<AccountState>(), id); }
  const ProductState* FindProduct(ProductId id) const override { return Find(Table<ProductState>(), id); }
  const CouponState* FindCoupon(CouponId id) const override { return Find(Table<CouponState>(), id); }
  const CartState* FindCart(UserId id) const override { return Find(Table<CartState>(), id); }
  const OrderState* FindOrder(OrderId id) const override { return Find(Table<OrderState>(), id); }
  const CouponRequestState* FindCouponRequest(CouponRequestId id) const override {
    return Find(Table<CouponRequestState>(), id);
  }
  const LastIds& last_ids() const override { return last_ids_; }
  const BoundUser* FindUserBySubject(const Subject& subject) const override;

  // Lets go of every order closed and request decided since the last call (see above).
  void EvictFinished();
  // Puts back an order read from its stream (evicted again at the next
  // EvictFinished if it is finished).
  void Restore(OrderId id, Versioned<OrderState> order);

  AggregateCounts Counts() const;

  // Same states, versions, deadlines and ids (what is pending eviction
  // aside): fold-from-scratch and snapshot-plus-tail are compared with it.
  bool operator==(const Aggregates& other) const;

  // Unpaid orders whose deadline is at or before now_ms, oldest first.
  std::vector<OrderId> DueOrders(TimeMs now_ms) const;
  // The earliest deadline of an unpaid order, if any.
  std::optional<TimeMs> NextDeadline() const;
  // Waiting-room requests not decided yet, in arrival (log) order.
  std::vector<CouponRequestId> PendingCouponRequests() const {
    return {pending_requests_.begin(), pending_requests_.end()};
  }
  bool HasPendingCouponRequests() const { return !pending_requests_.empty(); }

 private:
  friend class WriteModelCodec;  // commands/write_model_codec.cc: the snapshot's bytes

  using States =
      std::tuple<UserState, AccountState, ProductState, CouponState, CartState, OrderState, CouponRequestState>;
  // Users, accounts, products and coupons are never removed, and their
  // ids are handed out in order: a vector holds them (id_table.h). Carts,
  // orders and waiting-room requests come and go.
  template <class State>
  static constexpr bool kDense = std::is_same_v<State, UserState> || std::is_same_v<State, AccountState> ||
                                 std::is_same_v<State, ProductState> || std::is_same_v<State, CouponState>;
  template <class State>
  using TableOf = std::conditional_t<kDense<State>, DenseTable<typename State::Stream::Id, State>,
                                     SparseTable<typename State::Stream::Id, State>>;

  // The state folded from streams of kind `Stream`.
  template <class Stream, std::size_t I = 0>
  static constexpr std::size_t IndexOf() {
    static_assert(I < std::tuple_size_v<States>, "no state is folded from this stream kind");
    if constexpr (std::is_same_v<typename std::tuple_element_t<I, States>::Stream, Stream>) {
      return I;
    } else {
      return IndexOf<Stream, I + 1>();
    }
  }
  template <class State>
  const TableOf<State>& Table() const {
    return std::get<IndexOf<typename State::Stream>()>(tables_);
  }
  template <class E>
  auto& TableFor(const E&) {
    return std::get<IndexOf<typename E::Stream>()>(tables_);
  }
  template <class E>
  const auto& TableFor(const E&) const {
    return std::get<IndexOf<typename E::Stream>()>(tables_);
  }
  template <class Table>
  static auto Find(const Table& table, typename Table::Id id) -> decltype(&table.Find(id)->state) {
    const auto* entry = table.Find(id);
    return entry == nullptr ? nullptr : &entry->state;
  }

  // What a fold keeps besides the states: the highest ids and the deadlines.
  struct Tracker;

  std::tuple<TableOf<UserState>, TableOf<AccountState>, TableOf<ProductState>, TableOf<CouponState>,
             TableOf<CartState>, TableOf<OrderState>, TableOf<CouponRequestState>>
      tables_;
  std::set<std::pair<TimeMs, OrderId>> deadlines_;  // of unpaid orders
  std::set<CouponRequestId> pending_requests_;         // ids grow in log order
  LastIds last_ids_;
  std::vector<OrderId> finished_;  // closed since the last EvictFinished
  std::vector<CouponRequestId> decided_requests_;  // likewise
  // Users bound to a token subject, by SubjectKey(issuer, subject): the
  // index that makes "one user per subject" a plain lookup for the decider.
  std::unordered_map<std::string, BoundUser> subjects_;
};

}  // namespace eventmart
