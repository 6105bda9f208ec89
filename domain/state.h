// domain/state.h
// What a decision may read: a read-only view of the current state of every
// aggregate. Decisions (decide.h) see only this, never a store; the command
// side hands them its in-memory state (aggregates.h), tests hand them state
// folded from the events they are given.
#pragma once

#include "domain/account.h"
#include "domain/cart.h"
#include "domain/catalog.h"
#include "domain/coupon.h"
#include "domain/coupon_request.h"
#include "domain/ids.h"
#include "domain/order.h"

namespace eventmart {

// The highest id of each kind that any event has used; new ids follow them.
struct LastIds {
  UserId user = 0;
  ProductId product = 0;
  OptionId option = 0;
  CouponId coupon = 0;
  UserCouponId user_coupon = 0;
  OrderId order = 0;
  PaymentId payment = 0;
  CouponRequestId coupon_request = 0;

  friend bool operator==(const LastIds&, const LastIds&) = default;
};

// Lookups return null for an aggregate that does not exist (yet).
class StateView {
 public:
  virtual ~StateView() = default;
  virtual const UserState* FindUser(UserId id) const = 0;
  virtual const AccountState* FindAccount(UserId id) const = 0;
  virtual const ProductState* FindProduct(ProductId id) const = 0;
  virtual const CouponState* FindCoupon(CouponId id) const = 0;
  virtual const CartState* FindCart(UserId id) const = 0;
  virtual const OrderState* FindOrder(OrderId id) const = 0;
  virtual const CouponRequestState* FindCouponRequest(CouponRequestId id) const = 0;
  virtual const LastIds& last_ids() const = 0;
  // The user a token subject is bound to (UserRegistered v2), or null.
  virtual const BoundUser* FindUserBySubject(const Subject& subject) const = 0;
};

// What a decision needs besides state: the time and the shop's settings.
struct DecideContext {
  TimeMs now_ms = 0;
  Money max_balance = kDefaultMaxBalance;
  TimeMs order_ttl_ms = 5 * 60 * 1000;
};

}  // namespace eventmart
