#include "domain/cart.h"

#include "domain/decide.h"
#include "domain/errors.h"

namespace eventmart {

Result<void> ValidateCartQuantity(Quantity quantity) {
  if (quantity < 1 || quantity > kMaxLineQuantity) {
    return Fail(DomainErrc::kInvalidRequest, "quantity must be from 1 to " + std::to_string(kMaxLineQuantity));
  }
  return {};
}

Result<CartItemAdded> DecideAddToCart(const CartState& cart, UserId user, ProductId product, OptionId option,
                                      Quantity quantity, Quantity stock) {
  if (auto ok = ValidateCartQuantity(quantity); !ok) return Fail(ok.error());
  auto it = cart.lines.find(option);
  Quantity current = it == cart.lines.end() ? 0 : it->second.quantity;
  if (current + quantity > stock) {
    return Fail(DomainErrc::kOutOfStock, "only " + std::to_string(stock) + " in stock");
  }
  return CartItemAdded{.user_id = user, .product_id = product, .option_id = option, .quantity = quantity,
                       .quantity_after = current + quantity};
}

std::optional<CartItemRemoved> DecideRemoveFromCart(const CartState& cart, UserId user, OptionId option) {
  if (!cart.lines.contains(option)) return std::nullopt;
  return CartItemRemoved{.user_id = user, .option_id = option};
}

void Evolve(CartState& cart, const CartItemAdded& e) {
  cart.lines[e.option_id] = CartLine{.product_id = e.product_id, .quantity = e.quantity_after};
}

void Evolve(CartState& cart, const CartItemRemoved& e) { cart.lines.erase(e.option_id); }

namespace {

const CartState& CartOf(const StateView& state, UserId user) {
  static const CartState kEmpty;
  const CartState* cart = state.FindCart(user);
  return cart ? *cart : kEmpty;
}

}  // namespace

Result<Events> Decide(const StateView& state, const AddCartItem& c, const DecideContext&) {
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  const ProductState* product = state.FindProduct(c.product_id);
  auto option = ResolveOption(product, c.product_id, c.option_id);
  if (!option) return Fail(option.error());
  if (auto sellable = CheckSellable(*product, c.product_id); !sellable) return Fail(sellable.error());
  return OneEvent(DecideAddToCart(CartOf(state, c.user_id), c.user_id, c.product_id, (*option)->option_id,
                                  c.quantity, (*option)->stock));
}

Result<Events> Decide(const StateView& state, const RemoveCartItem& c, const DecideContext&) {
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  Events events;
  if (auto removed = DecideRemoveFromCart(CartOf(state, c.user_id), c.user_id, c.option_id)) events.push_back(*removed);
  return events;
}

}  // namespace eventmart
