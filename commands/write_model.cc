#include "commands/write_model.h"

#include <algorithm>

namespace eventmart {
namespace {

template <class Map>
auto Find(const Map& map, typename Map::key_type id) -> decltype(&map.begin()->second.state) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second.state;
}

template <class Map>
StreamVersion VersionIn(const Map& map, typename Map::key_type id) {
  auto it = map.find(id);
  return it == map.end() ? 0 : it->second.version;
}

}  // namespace

struct WriteModel::Applier {
  WriteModel& m;
  StreamVersion version;

  void operator()(const UserRegistered& e) {
    m.users_[e.user_id].version = version;
    m.max_user_id_ = std::max(m.max_user_id_, e.user_id);
  }
  void operator()(const PointsCharged& e) { Fold(m.accounts_[e.user_id], e); }
  void operator()(const ProductCreated& e) {
    auto& product = m.products_[e.product_id];
    product.state.name = e.name;
    for (const auto& o : e.options) {
      product.state.option_ids.push_back(o.option_id);
      m.options_[o.option_id] = {.product_id = e.product_id, .name = o.name, .price = o.price, .stock = o.stock};
      m.max_option_id_ = std::max(m.max_option_id_, o.option_id);
    }
    product.version = version;
    m.max_product_id_ = std::max(m.max_product_id_, e.product_id);
  }
  void operator()(const StockRestocked& e) {
    m.options_[e.option_id].stock = e.stock_after;
    m.products_[e.product_id].version = version;
  }
  void operator()(const CouponCreated& e) {
    Fold(m.coupons_[e.coupon_id], e);
    m.max_coupon_id_ = std::max(m.max_coupon_id_, e.coupon_id);
  }
  void operator()(const CouponIssued& e) {
    Fold(m.coupons_[e.coupon_id], e);
    m.max_user_coupon_id_ = std::max(m.max_user_coupon_id_, e.user_coupon_id);
  }
  void operator()(const PointsSpent& e) { Fold(m.accounts_[e.user_id], e); }
  void operator()(const StockReserved& e) { SetStock(e.product_id, e.option_id, e.stock_after); }
  void operator()(const StockReleased& e) { SetStock(e.product_id, e.option_id, e.stock_after); }
  void operator()(const CouponReserved& e) { Fold(m.coupons_[e.coupon_id], e); }
  void operator()(const CouponUsed& e) { Fold(m.coupons_[e.coupon_id], e); }
  void operator()(const CouponReleased& e) { Fold(m.coupons_[e.coupon_id], e); }
  void operator()(const OrderPlaced& e) {
    Fold(m.orders_[e.order_id], e);
    m.deadlines_.emplace(e.expires_at_ms, e.order_id);
    m.max_order_id_ = std::max(m.max_order_id_, e.order_id);
  }
  void operator()(const OrderPaid& e) {
    Close(e.order_id, e);
    m.max_payment_id_ = std::max(m.max_payment_id_, e.payment_id);
  }
  void operator()(const OrderCancelled& e) { Close(e.order_id, e); }
  void operator()(const OrderExpired& e) { Close(e.order_id, e); }
  void operator()(const CartItemAdded& e) { Fold(m.carts_[e.user_id], e); }
  void operator()(const CartItemRemoved& e) { Fold(m.carts_[e.user_id], e); }

  void SetStock(ProductId product, OptionId option, Quantity stock) {
    m.options_[option].stock = stock;
    m.products_[product].version = version;
  }

  template <class Event>
  void Close(OrderId id, const Event& e) {
    auto& order = m.orders_[id];
    m.deadlines_.erase({order.state.expires_at_ms, id});
    Fold(order, e);
  }

  template <class State, class Event>
  void Fold(Versioned<State>& entry, const Event& e) {
    eventmart::Apply(entry.state, e);
    entry.version = version;
  }
};

struct WriteModel::VersionFinder {
  const WriteModel& m;
  StreamVersion operator()(const UserRegistered& e) const { return VersionIn(m.users_, e.user_id); }
  StreamVersion operator()(const PointsCharged& e) const { return VersionIn(m.accounts_, e.user_id); }
  StreamVersion operator()(const ProductCreated& e) const { return VersionIn(m.products_, e.product_id); }
  StreamVersion operator()(const StockRestocked& e) const { return VersionIn(m.products_, e.product_id); }
  StreamVersion operator()(const CouponCreated& e) const { return VersionIn(m.coupons_, e.coupon_id); }
  StreamVersion operator()(const CouponIssued& e) const { return VersionIn(m.coupons_, e.coupon_id); }
  StreamVersion operator()(const CartItemAdded& e) const { return VersionIn(m.carts_, e.user_id); }
  StreamVersion operator()(const CartItemRemoved& e) const { return VersionIn(m.carts_, e.user_id); }
  StreamVersion operator()(const PointsSpent& e) const { return VersionIn(m.accounts_, e.user_id); }
  StreamVersion operator()(const StockReserved& e) const { return VersionIn(m.products_, e.product_id); }
  StreamVersion operator()(const StockReleased& e) const { return VersionIn(m.products_, e.product_id); }
  StreamVersion operator()(const CouponReserved& e) const { return VersionIn(m.coupons_, e.coupon_id); }
  StreamVersion operator()(const CouponUsed& e) const { return VersionIn(m.coupons_, e.coupon_id); }
  StreamVersion operator()(const CouponReleased& e) const { return VersionIn(m.coupons_, e.coupon_id); }
  StreamVersion operator()(const OrderPlaced& e) const { return VersionIn(m.orders_, e.order_id); }
  StreamVersion operator()(const OrderPaid& e) const { return VersionIn(m.orders_, e.order_id); }
  StreamVersion operator()(const OrderCancelled& e) const { return VersionIn(m.orders_, e.order_id); }
  StreamVersion operator()(const OrderExpired& e) const { return VersionIn(m.orders_, e.order_id); }
};

void WriteModel::Apply(const DomainEvent& event, StreamVersion version) {
  std::visit(Applier{*this, version}, event);
}

StreamVersion WriteModel::VersionOf(const DomainEvent& event) const { return std::visit(VersionFinder{*this}, event); }

const AccountState* WriteModel::FindAccount(UserId id) const { return Find(accounts_, id); }
const ProductState* WriteModel::FindProduct(ProductId id) const { return Find(products_, id); }
const CouponState* WriteModel::FindCoupon(CouponId id) const { return Find(coupons_, id); }
const CartState* WriteModel::FindCart(UserId id) const { return Find(carts_, id); }
const OrderState* WriteModel::FindOrder(OrderId id) const { return Find(orders_, id); }

std::vector<OrderId> WriteModel::DueOrders(TimeMs now_ms) const {
  std::vector<OrderId> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now_ms; ++it) due.push_back(it->second);
  return due;
}

std::optional<TimeMs> WriteModel::NextDeadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

const OptionState* WriteModel::FindOption(OptionId id) const {
  auto it = options_.find(id);
  return it == options_.end() ? nullptr : &it->second;
}

ProductView WriteModel::ProductViewOf(ProductId id) const {
  ProductView view{.product_id = id, .name = {}, .options = {}};
  const ProductState* product = FindProduct(id);
  if (product == nullptr) return view;
  view.name = product->name;
  for (OptionId oid : product->option_ids) {
    const OptionState& o = options_.at(oid);
    view.options.push_back({.option_id = oid, .name = o.name, .price = o.price, .stock = o.stock});
  }
  return view;
}

CouponView WriteModel::CouponViewOf(CouponId id) const {
  const CouponState* c = FindCoupon(id);
  if (c == nullptr) return CouponView{.coupon_id = id};
  return CouponView{.coupon_id = id, .name = c->name, .type = c->type, .value = c->value,
                    .total_quantity = c->total_quantity, .remaining_quantity = c->total_quantity - c->issued,
                    .expires_at_ms = c->expires_at_ms};
}

CartView WriteModel::CartViewOf(UserId user) const {
  const CartState* cart = FindCart(user);
  return CartViewOf(user, cart ? *cart : CartState{});
}

CartView WriteModel::CartViewOf(UserId user, const CartState& cart) const {
  CartView view{.user_id = user, .items = {}};
  for (const auto& [oid, line] : cart.lines) {
    const OptionState* o = FindOption(oid);
    const ProductState* p = FindProduct(line.product_id);
    view.items.push_back({.product_id = line.product_id, .option_id = oid, .name = p ? p->name : "",
                          .option_name = o ? o->name : "", .unit_price = o ? o->price : 0,
                          .quantity = line.quantity});
  }
  return view;
}

}  // namespace eventmart
