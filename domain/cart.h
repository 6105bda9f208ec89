// domain/cart.h
// A user's cart: quantities per option. Adding adds to the line; a line may
// not exceed the option's stock at the time it is added.
#pragma once

#include <map>
#include <optional>

#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

struct CartLine {
  ProductId product_id = 0;
  Quantity quantity = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("quantity", s.quantity);
  }
  friend bool operator==(const CartLine&, const CartLine&) = default;
};

// A user's cart (stream cart-N).
struct CartState {
  using Stream = CartStream;
  std::map<OptionId, CartLine> lines;  // ordered, so replies list lines stably

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("lines", s.lines);
  }
  friend bool operator==(const CartState&, const CartState&) = default;
};

[[nodiscard]] Result<void> ValidateCartQuantity(Quantity quantity);

[[nodiscard]] Result<CartItemAdded> DecideAddToCart(const CartState& cart, UserId user, ProductId product,
                                                    OptionId option, Quantity quantity, Quantity stock);

// Nothing to record when the line is not there.
std::optional<CartItemRemoved> DecideRemoveFromCart(const CartState& cart, UserId user, OptionId option);

void Evolve(CartState& cart, const CartItemAdded& event);
void Evolve(CartState& cart, const CartItemRemoved& event);

}  // namespace eventmart
