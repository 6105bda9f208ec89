// domain/commands.h
// What clients ask for. The API checks shapes before a command gets here;
// domain/decide.h decides it against the current state.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/account.h"
#include "domain/catalog.h"
#include "domain/coupon.h"
#include "domain/ids.h"

namespace eventmart {

// With a subject (a verified token's), the user is bound to it; if the
// subject is bound already, nothing is recorded and the reply is that user.
struct RegisterUser {
  std::string name;
  std::optional<Subject> subject;
};

// Commands that name a user carry `actor`: the verified token's subject
// under `serve --auth jwt` (none otherwise). Decide then refuses with
// kForbidden when the subject is not bound to the named user, after the
// request's own 400 and 404 checks and before its 409 rules (decide.cc).
using Actor = std::optional<Subject>;

struct ChargePoints {
  UserId user_id = 0;
  Money amount = 0;
  Actor actor;
};

struct CreateProduct {
  NewProduct product;
};

struct RestockOption {
  ProductId product_id = 0;
  OptionId option_id = 0;
  Quantity quantity = 0;
};

struct SetProductStatus {
  ProductId product_id = 0;
  ProductStatus status = ProductStatus::kOnSale;
};

struct PauseCoupon {
  CouponId coupon_id = 0;
};

struct ResumeCoupon {
  CouponId coupon_id = 0;
};

struct CreateCoupon {
  NewCoupon coupon;
};

struct IssueCoupon {
  CouponId coupon_id = 0;
  UserId user_id = 0;
  Actor actor;
};

// The waiting room: record the request now (202), decide it in log order.
struct RequestCoupon {
  CouponId coupon_id = 0;
  UserId user_id = 0;
};

// Sent by the command processor for each pending waiting-room request.
struct DecideCouponRequest {
  CouponRequestId request_id = 0;
};

struct AddCartItem {
  UserId user_id = 0;
  ProductId product_id = 0;
  std::optional<OptionId> option_id;  // may be left out for a one-option product
  Quantity quantity = 0;
  Actor actor;
};

struct RemoveCartItem {
  UserId user_id = 0;
  OptionId option_id = 0;
  Actor actor;
};

struct OrderItem {
  ProductId product_id = 0;
  std::optional<OptionId> option_id;
  Quantity quantity = 0;
};

struct PlaceOrder {
  UserId user_id = 0;
  std::vector<OrderItem> items;
  std::optional<CouponId> coupon_id;
  bool pay = false;  // place and pay in one step
  Actor actor;
};

struct PayOrder {
  OrderId order_id = 0;
  UserId user_id = 0;
  Actor actor;
};

struct CancelOrder {
  OrderId order_id = 0;
  UserId user_id = 0;
  Actor actor;
};

// Sent by the processor itself when an unpaid order's deadline passes.
struct ExpireOrder {
  OrderId order_id = 0;
};

using Command = std::variant<RegisterUser, ChargePoints, CreateProduct, RestockOption, SetProductStatus, CreateCoupon,
                             IssueCoupon, PauseCoupon, ResumeCoupon, AddCartItem, RemoveCartItem, PlaceOrder, PayOrder,
                             CancelOrder, ExpireOrder, RequestCoupon, DecideCouponRequest>;

std::string_view CommandName(const Command& command);

}  // namespace eventmart
