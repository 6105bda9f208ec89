#include "domain/catalog.h"

#include "domain/account.h"
#include "domain/errors.h"

namespace eventmart {
namespace {

Result<void> ValidateName(const std::string& name, const char* what) {
  if (name.empty()) return Fail(DomainErrc::kInvalidRequest, std::string(what) + " must not be empty");
  if (name.size() > kMaxNameLength) return Fail(DomainErrc::kInvalidRequest, std::string(what) + " is too long");
  return {};
}

}  // namespace

Result<void> ValidateNewProduct(const NewProduct& product) {
  if (auto ok = ValidateName(product.name, "name"); !ok) return ok;
  if (product.options.empty()) return Fail(DomainErrc::kInvalidRequest, "a product needs at least one option");
  if (product.options.size() > kMaxOptions) {
    return Fail(DomainErrc::kInvalidRequest, "a product has at most " + std::to_string(kMaxOptions) + " options");
  }
  for (const auto& option : product.options) {
    if (auto ok = ValidateName(option.name, "option name"); !ok) return ok;
    if (option.price < 0 || option.price > kMaxPrice) {
      return Fail(DomainErrc::kInvalidAmount, "price must be from 0 to " + std::to_string(kMaxPrice));
    }
    if (option.stock < 0 || option.stock > kMaxStock) {
      return Fail(DomainErrc::kInvalidRequest, "stock must be from 0 to " + std::to_string(kMaxStock));
    }
  }
  return {};
}

Result<void> ValidateRestockQuantity(Quantity quantity) {
  if (quantity < 1 || quantity > kMaxStock) {
    return Fail(DomainErrc::kInvalidRequest, "quantity must be from 1 to " + std::to_string(kMaxStock));
  }
  return {};
}

Result<ProductCreated> DecideCreateProduct(ProductId product_id, OptionId first_option_id,
                                           const NewProduct& product) {
  if (auto ok = ValidateNewProduct(product); !ok) return Fail(ok.error());
  ProductCreated event{.product_id = product_id, .name = product.name, .options = {}};
  OptionId next = first_option_id;
  for (const auto& option : product.options) {
    event.options.push_back({.option_id = next++, .name = option.name, .price = option.price, .stock = option.stock});
  }
  return event;
}

Result<StockRestocked> DecideRestock(const OptionState& option, ProductId product_id, OptionId option_id,
                                     Quantity quantity) {
  if (auto ok = ValidateRestockQuantity(quantity); !ok) return Fail(ok.error());
  if (quantity > kMaxStock - option.stock) {
    return Fail(DomainErrc::kInvalidRequest, "stock would exceed " + std::to_string(kMaxStock));
  }
  return StockRestocked{.product_id = product_id, .option_id = option_id, .quantity = quantity,
                        .stock_after = option.stock + quantity};
}

}  // namespace eventmart
