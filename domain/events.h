// domain/events.h
// Every domain event: past tense, a stable type name and a schema version.
//
// Each event lists its fields once, in Fields(), as (json name, member).
// The binary codec (cereal, eventstore/codec.cc) and the JSON form
// (eventstore/event_json.cc) both walk that list, so the two can't drift.
// Never reorder or remove fields; a new field is appended with the schema
// version that introduced it, and older bytes decode with its default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/ids.h"

namespace eventmart {

// A closed set that events carry; codecs store it by its name
// (NameOf/ParseNamed), so the bytes read "FIXED" as they always have.
enum class DiscountType : std::uint8_t { kFixed, kRate };
std::string_view DiscountTypeName(DiscountType type);
std::optional<DiscountType> ParseDiscountType(std::string_view name);
inline std::string_view NameOf(DiscountType type) { return DiscountTypeName(type); }
inline std::optional<DiscountType> ParseNamed(std::string_view name, const DiscountType*) {
  return ParseDiscountType(name);
}

// Whether a product may be put in a cart or ordered (seed 003's SELLABLE).
enum class ProductStatus : std::uint8_t { kOnSale, kStopped };
std::string_view ProductStatusName(ProductStatus status);
std::optional<ProductStatus> ParseProductStatus(std::string_view name);
inline std::string_view NameOf(ProductStatus status) { return ProductStatusName(status); }
inline std::optional<ProductStatus> ParseNamed(std::string_view name, const ProductStatus*) {
  return ParseProductStatus(name);
}

// How a waiting-room coupon request ended (stored by its name).
enum class CouponRequestStatus : std::uint8_t { kIssued, kRejected };
std::string_view CouponRequestStatusName(CouponRequestStatus status);
std::optional<CouponRequestStatus> ParseCouponRequestStatus(std::string_view name);
inline std::string_view NameOf(CouponRequestStatus status) { return CouponRequestStatusName(status); }
inline std::optional<CouponRequestStatus> ParseNamed(std::string_view name, const CouponRequestStatus*) {
  return ParseCouponRequestStatus(name);
}

// v2: the identity the user signed up with (`serve --auth jwt`): the
// token's `iss` and `sub`. Both empty for a user who signed up without a
// token (every v1 user).
struct UserRegistered {
  static constexpr std::string_view kType = "user.UserRegistered";
  static constexpr std::uint32_t kVersion = 2;
  using Stream = UserStream;
  Stream::Id stream_id() const { return user_id; }
  UserId user_id = 0;
  std::string name;
  std::string issuer;
  std::string subject;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("name", s.name);
    v("issuer", s.issuer, 2);
    v("subject", s.subject, 2);
  }
};

struct PointsCharged {
  static constexpr std::string_view kType = "account.PointsCharged";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = AccountStream;
  Stream::Id stream_id() const { return user_id; }
  UserId user_id = 0;
  Money amount = 0;
  Money balance_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("amount", s.amount);
    v("balanceAfter", s.balance_after);
  }
};

struct ProductOption {
  OptionId option_id = 0;
  std::string name;
  Money price = 0;
  Quantity stock = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("optionId", s.option_id);
    v("name", s.name);
    v("price", s.price);
    v("stock", s.stock);
  }
};

struct ProductCreated {
  static constexpr std::string_view kType = "product.ProductCreated";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = ProductStream;
  Stream::Id stream_id() const { return product_id; }
  ProductId product_id = 0;
  std::string name;
  std::vector<ProductOption> options;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("name", s.name);
    v("options", s.options);
  }
};

struct StockRestocked {
  static constexpr std::string_view kType = "product.StockRestocked";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = ProductStream;
  Stream::Id stream_id() const { return product_id; }
  ProductId product_id = 0;
  OptionId option_id = 0;
  Quantity quantity = 0;
  Quantity stock_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("optionId", s.option_id);
    v("quantity", s.quantity);
    v("stockAfter", s.stock_after);
  }
};

// A product put on sale again or stopped. Orders placed before a stop
// are unaffected; no cart line or order line of it is accepted after.
struct ProductStatusChanged {
  static constexpr std::string_view kType = "product.ProductStatusChanged";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = ProductStream;
  Stream::Id stream_id() const { return product_id; }
  ProductId product_id = 0;
  ProductStatus status = ProductStatus::kOnSale;
  TimeMs at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("status", s.status);
    v("atMs", s.at_ms);
  }
};

// v2 (seeds 003 and 004): an issuance window and the products it discounts.
struct CouponCreated {
  static constexpr std::string_view kType = "coupon.CouponCreated";
  static constexpr std::uint32_t kVersion = 2;
  using Stream = CouponStream;
  Stream::Id stream_id() const { return coupon_id; }
  CouponId coupon_id = 0;
  std::string name;
  DiscountType discount_type = DiscountType::kFixed;  // stored by its name
  std::int64_t discount_value = 0;
  Quantity total_quantity = 0;
  TimeMs expires_at_ms = 0;  // 0: issued coupons never expire
  TimeMs issue_from_ms = 0;   // 0: from creation
  TimeMs issue_until_ms = 0;  // 0: until sold out; issued while now < issue_until_ms
  std::vector<ProductId> product_ids;  // empty: every product; else sorted, distinct

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("name", s.name);
    v("discountType", s.discount_type);
    v("discountValue", s.discount_value);
    v("totalQuantity", s.total_quantity);
    v("expiresAtMs", s.expires_at_ms);
    v("issueFromMs", s.issue_from_ms, 2);
    v("issueUntilMs", s.issue_until_ms, 2);
    v("productIds", s.product_ids, 2);
  }
};

struct CouponIssued {
  static constexpr std::string_view kType = "coupon.CouponIssued";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CouponStream;
  Stream::Id stream_id() const { return coupon_id; }
  CouponId coupon_id = 0;
  UserId user_id = 0;
  UserCouponId user_coupon_id = 0;
  TimeMs issued_at_ms = 0;
  Quantity remaining_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("userCouponId", s.user_coupon_id);
    v("issuedAtMs", s.issued_at_ms);
    v("remainingAfter", s.remaining_after);
  }
};

// Issuing a coupon stopped for a while, and started again: two events of
// one shape, told apart by their type names.
template <class Name>
struct CouponIssuingSwitched {
  static constexpr std::string_view kType = Name::kType;
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CouponStream;
  Stream::Id stream_id() const { return coupon_id; }
  CouponId coupon_id = 0;
  TimeMs at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("atMs", s.at_ms);
  }
};
struct CouponPausedName {
  static constexpr std::string_view kType = "coupon.CouponPaused";
};
struct CouponResumedName {
  static constexpr std::string_view kType = "coupon.CouponResumed";
};
using CouponPaused = CouponIssuingSwitched<CouponPausedName>;
using CouponResumed = CouponIssuingSwitched<CouponResumedName>;

struct CartItemAdded {
  static constexpr std::string_view kType = "cart.CartItemAdded";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CartStream;
  Stream::Id stream_id() const { return user_id; }
  UserId user_id = 0;
  ProductId product_id = 0;
  OptionId option_id = 0;
  Quantity quantity = 0;
  Quantity quantity_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("productId", s.product_id);
    v("optionId", s.option_id);
    v("quantity", s.quantity);
    v("quantityAfter", s.quantity_after);
  }
};

struct CartItemRemoved {
  static constexpr std::string_view kType = "cart.CartItemRemoved";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CartStream;
  Stream::Id stream_id() const { return user_id; }
  UserId user_id = 0;
  OptionId option_id = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("optionId", s.option_id);
  }
};

struct OrderLine {
  ProductId product_id = 0;
  OptionId option_id = 0;
  Quantity quantity = 0;
  Money unit_price = 0;
  Money amount = 0;  // unit_price * quantity

  friend bool operator==(const OrderLine&, const OrderLine&) = default;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("optionId", s.option_id);
    v("quantity", s.quantity);
    v("unitPrice", s.unit_price);
    v("amount", s.amount);
  }
};

// v2: the products the coupon's discount was computed over.
struct OrderPlaced {
  static constexpr std::string_view kType = "order.OrderPlaced";
  static constexpr std::uint32_t kVersion = 2;
  using Stream = OrderStream;
  Stream::Id stream_id() const { return order_id; }
  OrderId order_id = 0;
  UserId user_id = 0;
  std::vector<OrderLine> lines;
  CouponId coupon_id = 0;  // 0: none
  UserCouponId user_coupon_id = 0;
  Money total_amount = 0;
  Money discount_amount = 0;
  Money pay_amount = 0;
  TimeMs created_at_ms = 0;
  TimeMs expires_at_ms = 0;
  std::vector<ProductId> coupon_product_ids;  // empty: the coupon covered every line

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("orderId", s.order_id);
    v("userId", s.user_id);
    v("lines", s.lines);
    v("couponId", s.coupon_id);
    v("userCouponId", s.user_coupon_id);
    v("totalAmount", s.total_amount);
    v("discountAmount", s.discount_amount);
    v("payAmount", s.pay_amount);
    v("createdAtMs", s.created_at_ms);
    v("expiresAtMs", s.expires_at_ms);
    v("couponProductIds", s.coupon_product_ids, 2);
  }
};

// Carries the whole order, so that the data platform's message (and the
// best-seller ranking) can be made from this one event.
struct OrderPaid {
  static constexpr std::string_view kType = "order.OrderPaid";
  static constexpr std::uint32_t kVersion = 2;
  using Stream = OrderStream;
  Stream::Id stream_id() const { return order_id; }
  OrderId order_id = 0;
  UserId user_id = 0;
  PaymentId payment_id = 0;
  std::vector<OrderLine> lines;
  CouponId coupon_id = 0;
  Money total_amount = 0;
  Money discount_amount = 0;
  Money pay_amount = 0;
  TimeMs created_at_ms = 0;
  TimeMs expires_at_ms = 0;
  TimeMs paid_at_ms = 0;
  std::vector<ProductId> coupon_product_ids;  // v2, as in OrderPlaced

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("orderId", s.order_id);
    v("userId", s.user_id);
    v("paymentId", s.payment_id);
    v("lines", s.lines);
    v("couponId", s.coupon_id);
    v("totalAmount", s.total_amount);
    v("discountAmount", s.discount_amount);
    v("payAmount", s.pay_amount);
    v("createdAtMs", s.created_at_ms);
    v("expiresAtMs", s.expires_at_ms);
    v("paidAtMs", s.paid_at_ms);
    v("couponProductIds", s.coupon_product_ids, 2);
  }
};

// An order that ended unpaid: cancelled by its user, or expired.
template <class Name>
struct OrderEndedUnpaid {
  static constexpr std::string_view kType = Name::kType;
  static constexpr std::uint32_t kVersion = 1;
  using Stream = OrderStream;
  Stream::Id stream_id() const { return order_id; }
  OrderId order_id = 0;
  UserId user_id = 0;
  TimeMs at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("orderId", s.order_id);
    v("userId", s.user_id);
    v("atMs", s.at_ms);
  }
};
struct OrderCancelledName {
  static constexpr std::string_view kType = "order.OrderCancelled";
};
struct OrderExpiredName {
  static constexpr std::string_view kType = "order.OrderExpired";
};
using OrderCancelled = OrderEndedUnpaid<OrderCancelledName>;
using OrderExpired = OrderEndedUnpaid<OrderExpiredName>;

// Stock held by an unpaid order (reserved) or given back (released).
template <class Name>
struct StockMoved {
  static constexpr std::string_view kType = Name::kType;
  static constexpr std::uint32_t kVersion = 1;
  using Stream = ProductStream;
  Stream::Id stream_id() const { return product_id; }
  ProductId product_id = 0;
  OptionId option_id = 0;
  OrderId order_id = 0;
  Quantity quantity = 0;
  Quantity stock_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("optionId", s.option_id);
    v("orderId", s.order_id);
    v("quantity", s.quantity);
    v("stockAfter", s.stock_after);
  }
};
struct StockReservedName {
  static constexpr std::string_view kType = "product.StockReserved";
};
struct StockReleasedName {
  static constexpr std::string_view kType = "product.StockReleased";
};
using StockReserved = StockMoved<StockReservedName>;
using StockReleased = StockMoved<StockReleasedName>;

// A user's coupon held by an unpaid order (reserved), used by its payment,
// or given back (released).
template <class Name>
struct HeldCouponMoved {
  static constexpr std::string_view kType = Name::kType;
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CouponStream;
  Stream::Id stream_id() const { return coupon_id; }
  CouponId coupon_id = 0;
  UserId user_id = 0;
  UserCouponId user_coupon_id = 0;
  OrderId order_id = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("userCouponId", s.user_coupon_id);
    v("orderId", s.order_id);
  }
};
struct CouponReservedName {
  static constexpr std::string_view kType = "coupon.CouponReserved";
};
struct CouponUsedName {
  static constexpr std::string_view kType = "coupon.CouponUsed";
};
struct CouponReleasedName {
  static constexpr std::string_view kType = "coupon.CouponReleased";
};
using CouponReserved = HeldCouponMoved<CouponReservedName>;
using CouponUsed = HeldCouponMoved<CouponUsedName>;
using CouponReleased = HeldCouponMoved<CouponReleasedName>;

struct PointsSpent {
  static constexpr std::string_view kType = "account.PointsSpent";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = AccountStream;
  Stream::Id stream_id() const { return user_id; }
  UserId user_id = 0;
  OrderId order_id = 0;
  Money amount = 0;
  Money balance_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("orderId", s.order_id);
    v("amount", s.amount);
    v("balanceAfter", s.balance_after);
  }
};

// A shopper asked for a coupon through the waiting room (Prefer:
// respond-async). Recorded before the 202 answer; decided afterwards, in the
// order of the log, by the same rules as a synchronous issue.
struct CouponRequested {
  static constexpr std::string_view kType = "couponRequest.CouponRequested";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CouponRequestStream;
  Stream::Id stream_id() const { return request_id; }
  CouponRequestId request_id = 0;
  CouponId coupon_id = 0;
  UserId user_id = 0;
  TimeMs requested_at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("requestId", s.request_id);
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("requestedAtMs", s.requested_at_ms);
  }
};

// How a waiting-room request was decided: ISSUED (appended with its
// CouponIssued, atomically) or REJECTED with the code a synchronous issue
// would have answered (e.g. "COUPON_SOLD_OUT").
struct CouponRequestDecided {
  static constexpr std::string_view kType = "couponRequest.CouponRequestDecided";
  static constexpr std::uint32_t kVersion = 1;
  using Stream = CouponRequestStream;
  Stream::Id stream_id() const { return request_id; }
  CouponRequestId request_id = 0;
  CouponId coupon_id = 0;
  UserId user_id = 0;
  CouponRequestStatus status = CouponRequestStatus::kRejected;
  std::string code;                 // empty when issued
  UserCouponId user_coupon_id = 0;  // 0 when rejected
  TimeMs decided_at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("requestId", s.request_id);
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("status", s.status);
    v("code", s.code);
    v("userCouponId", s.user_coupon_id);
    v("decidedAtMs", s.decided_at_ms);
  }
};

using DomainEvent = std::variant<UserRegistered, PointsCharged, PointsSpent, ProductCreated, StockRestocked,
                                 StockReserved, StockReleased, CouponCreated, CouponIssued, CouponReserved,
                                 CouponUsed, CouponReleased, CartItemAdded, CartItemRemoved, OrderPlaced, OrderPaid,
                                 OrderCancelled, OrderExpired, ProductStatusChanged, CouponPaused, CouponResumed,
                                 CouponRequested, CouponRequestDecided>;

// The stream an event belongs to: its kind's category and its id.
template <class E>
std::string StreamOf(const E& event) {
  return StreamName(E::Stream::kCategory, event.stream_id());
}
std::string StreamOf(const DomainEvent& event);

}  // namespace eventmart
