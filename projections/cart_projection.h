// projections/cart_projection.h
// Each user's cart lines, for GET /api/v1/users/{userId}/cart.
// Keys (under "carts/"):
//   l<userId BE8><optionId BE8> -> CartLineRecord
// Names and current prices come from the catalog read model at query time.
#pragma once

#include "domain/views.h"
#include "projections/catalog_projection.h"
#include "projections/projection.h"

namespace eventmart {

class CartProjection final : public FoldOf<CartProjection, CartItemAdded, CartItemRemoved> {
 public:
  static constexpr std::string_view kName = "carts";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
};

class CartQueries {
 public:
  CartQueries(ReadModelReader carts, ReadModelReader catalog)
      : carts_(std::move(carts)), catalog_(std::move(catalog)) {}

  // The user's lines with names and prices from the catalog; fails when a
  // read fails or a stored line cannot be decoded.
  [[nodiscard]] Result<CartView> Cart(UserId user) const;

 private:
  ReadModelReader carts_;
  CatalogQueries catalog_;
};

}  // namespace eventmart
