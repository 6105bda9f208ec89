// domain/catalog.h
// Products and their options. Each option has its own price and stock;
// option ids are unique across products. Stock here is what can still be
// ordered. Not thread-safe; one owner (the command processor).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

inline constexpr std::size_t kMaxOptions = 100;

struct NewOption {
  std::string name;
  Money price = 0;
  Quantity stock = 0;
};

struct NewProduct {
  std::string name;
  std::vector<NewOption> options;
};

struct OptionState {
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
  friend bool operator==(const OptionState&, const OptionState&) = default;
};

// A product (stream product-N) with its options in creation order.
struct ProductState {
  using Stream = ProductStream;
  std::string name;
  std::vector<OptionState> options;
  ProductStatus status = ProductStatus::kOnSale;

  const OptionState* FindOption(OptionId id) const;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("name", s.name);
    v("options", s.options);
    v("status", s.status);
  }
  friend bool operator==(const ProductState&, const ProductState&) = default;
};

// Shape and range checks, shared by the HTTP parser (so they answer 400
// before the admin token is looked at) and the decision below.
[[nodiscard]] Result<void> ValidateNewProduct(const NewProduct& product);
[[nodiscard]] Result<void> ValidateRestockQuantity(Quantity quantity);

// Creates a product whose options get ids first_option_id, +1, +2, ...
[[nodiscard]] Result<ProductCreated> DecideCreateProduct(ProductId product_id, OptionId first_option_id,
                                                         const NewProduct& product);

[[nodiscard]] Result<StockRestocked> DecideRestock(const OptionState& option, ProductId product_id,
                                                   OptionId option_id, Quantity quantity);

// The option a request names, which must be one of the product's; with no
// option named, the product's only option. PRODUCT_NOT_FOUND for an unknown
// product (null) or an option of another product; INVALID_REQUEST when the
// product has several options and none is named.
[[nodiscard]] Result<const OptionState*> ResolveOption(const ProductState* product, ProductId product_id,
                                                       std::optional<OptionId> option_id);

// A stopped product may not go into a cart or an order: PRODUCT_NOT_SELLABLE.
[[nodiscard]] Result<void> CheckSellable(const ProductState& product, ProductId product_id);

// Nothing to record when the product already has that status.
[[nodiscard]] std::optional<ProductStatusChanged> DecideSetStatus(const ProductState& product, ProductId product_id,
                                                                  ProductStatus status, TimeMs now_ms);

// Folds: the stock after each change is in the event.
void Evolve(ProductState& product, const ProductCreated& event);
void Evolve(ProductState& product, const StockRestocked& event);
void Evolve(ProductState& product, const StockReserved& event);
void Evolve(ProductState& product, const StockReleased& event);
void Evolve(ProductState& product, const ProductStatusChanged& event);

}  // namespace eventmart
