// domain/catalog.h
// Products and their options. Each option has its own price and stock;
// option ids are unique across products. Stock here is what can still be
// ordered. Not thread-safe; one owner (the command processor).
#pragma once

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
  ProductId product_id = 0;
  std::string name;
  Money price = 0;
  Quantity stock = 0;
};

struct ProductState {
  std::string name;
  std::vector<OptionId> option_ids;  // in creation order
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

}  // namespace eventmart
