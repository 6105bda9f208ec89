// tests/domain/given.h
// Given/when/then for decisions, as cqrs-es writes them: fold the given
// events into state, decide one command, look at what it would record.
// Pure: no store, no clock, no disk.
#pragma once

#include <initializer_list>
#include <vector>

#include "domain/aggregates.h"
#include "domain/decide.h"

namespace eventmart::testing {

inline constexpr TimeMs kNow = 1'700'000'000'000;

class Given {
 public:
  Given(std::initializer_list<DomainEvent> events) {
    for (const auto& e : events) And(e);
  }
  // One more event, at the next version of its stream.
  Given& And(const DomainEvent& event) {
    state.Evolve(event, state.VersionOf(event) + 1);
    return *this;
  }
  Result<Events> When(const Command& command, TimeMs now_ms = kNow) const {
    return Decide(state, command, DecideContext{.now_ms = now_ms, .max_balance = kDefaultMaxBalance,
                                                .order_ttl_ms = 5 * 60 * 1000});
  }
  // Decides and folds what was decided, so the next When sees it.
  Result<Events> WhenApplied(const Command& command, TimeMs now_ms = kNow) {
    auto events = When(command, now_ms);
    if (events) {
      for (const auto& e : *events) And(e);
    }
    return events;
  }

  Aggregates state;
};

// The events of one type among those decided, in order.
template <class E>
std::vector<E> Only(const Events& events) {
  std::vector<E> found;
  for (const auto& e : events) {
    if (const E* x = std::get_if<E>(&e)) found.push_back(*x);
  }
  return found;
}

// Some ready-made history.
inline UserRegistered User(UserId id) { return {.user_id = id, .name = "user" + std::to_string(id)}; }
inline PointsCharged Charged(UserId id, Money balance) {
  return {.user_id = id, .amount = balance, .balance_after = balance};
}
inline ProductCreated Product(ProductId id, std::vector<ProductOption> options) {
  return {.product_id = id, .name = "product" + std::to_string(id), .options = std::move(options)};
}
inline ProductOption Option(OptionId id, Money price, Quantity stock) {
  return {.option_id = id, .name = "option" + std::to_string(id), .price = price, .stock = stock};
}
inline CouponCreated Coupon(CouponId id, DiscountType type, std::int64_t value, Quantity quantity,
                            TimeMs expires_at_ms = 0) {
  return {.coupon_id = id, .name = "coupon" + std::to_string(id), .discount_type = type, .discount_value = value,
          .total_quantity = quantity, .expires_at_ms = expires_at_ms};
}
inline CouponIssued Issued(CouponId coupon, UserId user, UserCouponId held, Quantity remaining_after) {
  return {.coupon_id = coupon, .user_id = user, .user_coupon_id = held, .issued_at_ms = kNow - 1000,
          .remaining_after = remaining_after};
}

}  // namespace eventmart::testing
