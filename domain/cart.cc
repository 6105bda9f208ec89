#include "domain/cart.h"

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

void Apply(CartState& cart, const CartItemAdded& e) {
  cart.lines[e.option_id] = CartLine{.product_id = e.product_id, .quantity = e.quantity_after};
}

void Apply(CartState& cart, const CartItemRemoved& e) { cart.lines.erase(e.option_id); }

}  // namespace eventmart
