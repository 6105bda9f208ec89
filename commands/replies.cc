#include "commands/replies.h"

namespace eventmart {
namespace {

// The first event of type E among a decision's events (the decision made it).
template <class E>
const E& First(const Events& events) {
  for (const auto& event : events) {
    if (const E* e = std::get_if<E>(&event)) return *e;
  }
  throw std::logic_error("a decision's events lack " + std::string(E::kType));
}

struct Replier {
  const Events& events;
  const StateView& state;

  Reply operator()(const RegisterUser& c) const {
    if (events.empty() && c.subject) {  // the subject signed up before
      const BoundUser* bound = state.FindUserBySubject(*c.subject);
      if (bound == nullptr) throw std::logic_error("a sign-up recorded nothing for an unbound subject");
      return UserReply{.user_id = bound->user_id, .name = bound->name, .created = false};
    }
    const auto& e = First<UserRegistered>(events);
    return UserReply{.user_id = e.user_id, .name = e.name};
  }
  Reply operator()(const ChargePoints&) const {
    const auto& e = First<PointsCharged>(events);
    return BalanceReply{.user_id = e.user_id, .balance = e.balance_after};
  }
  Reply operator()(const CreateProduct&) const {
    const auto& e = First<ProductCreated>(events);
    return ProductView{.product_id = e.product_id, .name = e.name, .options = e.options,
                       .status = ProductStatus::kOnSale};
  }
  Reply operator()(const RestockOption& c) const { return ProductViewOf(state, c.product_id); }
  Reply operator()(const SetProductStatus& c) const { return ProductViewOf(state, c.product_id); }
  Reply operator()(const PauseCoupon& c) const { return CouponViewOf(state, c.coupon_id); }
  Reply operator()(const ResumeCoupon& c) const { return CouponViewOf(state, c.coupon_id); }
  Reply operator()(const CreateCoupon&) const { return CouponViewOf(state, First<CouponCreated>(events).coupon_id); }
  Reply operator()(const IssueCoupon& c) const {
    const auto& e = First<CouponIssued>(events);
    return UserCouponView{.user_coupon_id = e.user_coupon_id, .user_id = e.user_id,
                          .coupon = CouponViewOf(state, c.coupon_id), .status = UserCouponStatus::kIssued,
                          .issued_at_ms = e.issued_at_ms};
  }
  Reply operator()(const AddCartItem& c) const { return CartViewOf(state, c.user_id); }
  Reply operator()(const RemoveCartItem&) const { return NoContentReply{}; }
  Reply operator()(const PlaceOrder&) const { return OrderViewOf(First<OrderPlaced>(events).order_id); }
  Reply operator()(const PayOrder&) const {
    const auto& e = First<OrderPaid>(events);
    return PaymentView{.payment_id = e.payment_id, .order_id = e.order_id, .user_id = e.user_id,
                       .amount = e.pay_amount, .paid_at_ms = e.paid_at_ms};
  }
  Reply operator()(const CancelOrder& c) const { return OrderViewOf(c.order_id); }
  Reply operator()(const ExpireOrder&) const { return NoContentReply{}; }
  Reply operator()(const RequestCoupon&) const {
    return CouponRequestReply{.request_id = First<CouponRequested>(events).request_id};
  }
  Reply operator()(const DecideCouponRequest&) const { return NoContentReply{}; }

  OrderView OrderViewOf(OrderId id) const { return ToView(id, *state.FindOrder(id)); }
};

}  // namespace

Reply ReplyTo(const Command& command, const Events& events, const StateView& state) {
  return std::visit(Replier{events, state}, command);
}

ProductView ProductViewOf(const StateView& state, ProductId id) {
  ProductView view{.product_id = id, .name = {}, .options = {}};
  const ProductState* product = state.FindProduct(id);
  if (product == nullptr) return view;
  view.name = product->name;
  view.status = product->status;
  for (const auto& o : product->options) {
    view.options.push_back({.option_id = o.option_id, .name = o.name, .price = o.price, .stock = o.stock});
  }
  return view;
}

CouponView CouponViewOf(const StateView& state, CouponId id) {
  const CouponState* c = state.FindCoupon(id);
  if (c == nullptr) return CouponView{.coupon_id = id};
  return CouponView{.coupon_id = id, .name = c->name, .type = c->type, .value = c->value,
                    .total_quantity = c->total_quantity, .remaining_quantity = c->total_quantity - c->issued,
                    .expires_at_ms = c->expires_at_ms, .issue_from_ms = c->issue_from_ms,
                    .issue_until_ms = c->issue_until_ms, .paused = c->paused, .product_ids = c->product_ids};
}

CartView CartViewOf(const StateView& state, UserId user) {
  CartView view{.user_id = user, .items = {}};
  const CartState* cart = state.FindCart(user);
  if (cart == nullptr) return view;
  for (const auto& [oid, line] : cart->lines) {
    const ProductState* p = state.FindProduct(line.product_id);
    const OptionState* o = p ? p->FindOption(oid) : nullptr;
    view.items.push_back({.product_id = line.product_id, .option_id = oid, .name = p ? p->name : "",
                          .option_name = o ? o->name : "", .unit_price = o ? o->price : 0,
                          .quantity = line.quantity});
  }
  return view;
}

}  // namespace eventmart
