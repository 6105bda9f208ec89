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

class CartProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "carts";
  std::string_view name() const override { return kName; }
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  bool Wants(std::string_view type) const override { return IsOneOf<CartItemAdded, CartItemRemoved>(type); }
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
