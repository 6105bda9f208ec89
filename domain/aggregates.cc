#include "domain/aggregates.h"

#include <algorithm>

namespace eventmart {
namespace {

// Length-prefixed, so no issuer/subject pair can spell another's key.
std::string SubjectKey(const std::string& issuer, const std::string& subject) {
  return std::to_string(issuer.size()) + ":" + issuer + subject;
}

}  // namespace

// Events that use new ids raise the highest id of their kind; orders enter
// and leave the deadline index. Every other event needs nothing here.
struct Aggregates::Tracker {
  Aggregates& a;

  template <class Id>
  static void Raise(Id& last, Id id) {
    last = std::max<std::int64_t>(last, id);
  }

  void operator()(const UserRegistered& e) {
    Raise(a.last_ids_.user, e.user_id);
    if (!e.subject.empty()) a.subjects_[SubjectKey(e.issuer, e.subject)] = {e.user_id, e.name};
  }
  void operator()(const ProductCreated& e) {
    Raise(a.last_ids_.product, e.product_id);
    for (const auto& o : e.options) Raise(a.last_ids_.option, o.option_id);
  }
  void operator()(const CouponCreated& e) { Raise(a.last_ids_.coupon, e.coupon_id); }
  void operator()(const CouponIssued& e) { Raise(a.last_ids_.user_coupon, e.user_coupon_id); }
  void operator()(const OrderPlaced& e) {
    Raise(a.last_ids_.order, e.order_id);
    a.deadlines_.emplace(e.expires_at_ms, e.order_id);
  }
  void operator()(const OrderPaid& e) {
    Raise(a.last_ids_.payment, e.payment_id);
    a.deadlines_.erase({e.expires_at_ms, e.order_id});
    a.finished_.push_back(e.order_id);
  }
  void operator()(const CouponRequested& e) {
    Raise(a.last_ids_.coupon_request, e.request_id);
    a.pending_requests_.insert(e.request_id);
  }
  void operator()(const CouponRequestDecided& e) {
    a.pending_requests_.erase(e.request_id);
    a.decided_requests_.push_back(e.request_id);
  }
  void operator()(const OrderCancelled& e) { Closed(e.order_id); }
  void operator()(const OrderExpired& e) { Closed(e.order_id); }
  void operator()(const auto&) {}

  void Closed(OrderId id) {
    if (const OrderState* order = a.FindOrder(id)) a.deadlines_.erase({order->expires_at_ms, id});
    a.finished_.push_back(id);
  }
};

void Aggregates::Evolve(const DomainEvent& event, StreamVersion version) {
  std::visit(
      [&](const auto& e) {
        eventmart::Evolve(TableFor(e).Advance(e.stream_id(), version).state, e);
        Tracker{*this}(e);
      },
      event);
}

StreamVersion Aggregates::VersionOf(const DomainEvent& event) const {
  return std::visit(
      [&](const auto& e) -> StreamVersion {
        const auto* entry = TableFor(e).Find(e.stream_id());
        return entry == nullptr ? 0 : entry->version;
      },
      event);
}

void Aggregates::EvictFinished() {
  auto& orders = std::get<TableOf<OrderState>>(tables_);
  for (OrderId id : finished_) {
    const auto* order = orders.Find(id);
    if (order != nullptr && order->state.status != OrderStatus::kNotPaid) orders.Erase(id);
  }
  finished_.clear();
  // A decided waiting-room request is only read back by its projection.
  auto& requests = std::get<TableOf<CouponRequestState>>(tables_);
  for (CouponRequestId id : decided_requests_) requests.Erase(id);
  decided_requests_.clear();
}

void Aggregates::Restore(OrderId id, Versioned<OrderState> order) {
  bool finished = order.state.status != OrderStatus::kNotPaid;
  std::get<TableOf<OrderState>>(tables_).Put(id, std::move(order));
  if (finished) finished_.push_back(id);
}

AggregateCounts Aggregates::Counts() const {
  AggregateCounts counts{.users = Table<UserState>().size(), .accounts = Table<AccountState>().size(),
                         .products = Table<ProductState>().size(), .coupons = Table<CouponState>().size(),
                         .coupon_holders = 0, .carts = Table<CartState>().size(),
                         .orders = Table<OrderState>().size()};
  Table<CouponState>().ForEach(
      [&](CouponId, const auto& coupon) { counts.coupon_holders += coupon.state.holders.size(); });
  return counts;
}

bool Aggregates::operator==(const Aggregates& other) const {
  return tables_ == other.tables_ && deadlines_ == other.deadlines_ && last_ids_ == other.last_ids_ &&
         pending_requests_ == other.pending_requests_ && subjects_ == other.subjects_;
}

const BoundUser* Aggregates::FindUserBySubject(const Subject& subject) const {
  auto it = subjects_.find(SubjectKey(subject.issuer, subject.subject));
  return it == subjects_.end() ? nullptr : &it->second;
}

std::vector<OrderId> Aggregates::DueOrders(TimeMs now_ms) const {
  std::vector<OrderId> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now_ms; ++it) due.push_back(it->second);
  return due;
}

std::optional<TimeMs> Aggregates::NextDeadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

}  // namespace eventmart
