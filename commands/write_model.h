// commands/write_model.h
// The current state of every aggregate, held in memory and rebuilt by
// folding the log at start. Only the command processor's thread touches it.
// Each aggregate remembers its stream version, which becomes the expected
// version of the next append to its stream.
#pragma once

#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/account.h"
#include "domain/cart.h"
#include "domain/catalog.h"
#include "domain/coupon.h"
#include "domain/events.h"
#include "domain/order.h"
#include "domain/views.h"
#include "eventstore/event_store.h"

namespace eventmart {

template <class State>
struct Versioned {
  State state;
  StreamVersion version = 0;
};

struct UserState {};

class WriteModel {
 public:
  // Folds one event recorded at `version` of its stream.
  void Apply(const DomainEvent& event, StreamVersion version);
  // The current version of the stream `event` goes to (0 = new stream).
  StreamVersion VersionOf(const DomainEvent& event) const;

  bool HasUser(UserId id) const { return users_.contains(id); }
  const AccountState* FindAccount(UserId id) const;
  const ProductState* FindProduct(ProductId id) const;
  const OptionState* FindOption(OptionId id) const;
  const CouponState* FindCoupon(CouponId id) const;
  const CartState* FindCart(UserId id) const;
  const OrderState* FindOrder(OrderId id) const;

  // Unpaid orders whose deadline is at or before now_ms, oldest first.
  std::vector<OrderId> DueOrders(TimeMs now_ms) const;
  // The earliest deadline of an unpaid order, if any.
  std::optional<TimeMs> NextDeadline() const;

  UserId NextUserId() const { return max_user_id_ + 1; }
  ProductId NextProductId() const { return max_product_id_ + 1; }
  OptionId NextOptionId() const { return max_option_id_ + 1; }
  CouponId NextCouponId() const { return max_coupon_id_ + 1; }
  UserCouponId NextUserCouponId() const { return max_user_coupon_id_ + 1; }
  OrderId NextOrderId() const { return max_order_id_ + 1; }
  PaymentId NextPaymentId() const { return max_payment_id_ + 1; }

  ProductView ProductViewOf(ProductId id) const;
  CouponView CouponViewOf(CouponId id) const;
  CartView CartViewOf(UserId user) const;
  CartView CartViewOf(UserId user, const CartState& cart) const;  // with names and prices

 private:
  struct Applier;
  struct VersionFinder;

  std::unordered_map<UserId, Versioned<UserState>> users_;
  std::unordered_map<UserId, Versioned<AccountState>> accounts_;
  std::unordered_map<ProductId, Versioned<ProductState>> products_;
  std::unordered_map<OptionId, OptionState> options_;
  std::unordered_map<CouponId, Versioned<CouponState>> coupons_;
  std::unordered_map<UserId, Versioned<CartState>> carts_;
  std::unordered_map<OrderId, Versioned<OrderState>> orders_;
  std::set<std::pair<TimeMs, OrderId>> deadlines_;  // of unpaid orders
  UserId max_user_id_ = 0;
  ProductId max_product_id_ = 0;
  OptionId max_option_id_ = 0;
  CouponId max_coupon_id_ = 0;
  UserCouponId max_user_coupon_id_ = 0;
  OrderId max_order_id_ = 0;
  PaymentId max_payment_id_ = 0;
};

}  // namespace eventmart
