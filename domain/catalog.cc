#include "domain/catalog.h"

#include "domain/account.h"
#include "domain/decide.h"
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
  std::int64_t next = first_option_id;
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

const OptionState* ProductState::FindOption(OptionId id) const {
  for (const auto& option : options) {
    if (option.option_id == id) return &option;
  }
  return nullptr;
}

Result<const OptionState*> ResolveOption(const ProductState* product, ProductId product_id,
                                         std::optional<OptionId> option_id) {
  if (product == nullptr) return Fail(DomainErrc::kProductNotFound);
  if (!option_id) {
    if (product->options.size() != 1) {
      return Fail(DomainErrc::kInvalidRequest, "optionId is required: the product has " +
                                                   std::to_string(product->options.size()) + " options");
    }
    return &product->options.front();
  }
  const OptionState* option = product->FindOption(*option_id);
  if (option == nullptr) {
    return Fail(DomainErrc::kProductNotFound, "option " + std::to_string(*option_id) + " is not one of product " +
                                                  std::to_string(product_id) + "'s options");
  }
  return option;
}

Result<void> CheckSellable(const ProductState& product, ProductId product_id) {
  if (product.status == ProductStatus::kOnSale) return {};
  return Fail(DomainErrc::kProductNotSellable, "product " + std::to_string(product_id) + " is stopped");
}

std::optional<ProductStatusChanged> DecideSetStatus(const ProductState& product, ProductId product_id,
                                                    ProductStatus status, TimeMs now_ms) {
  if (product.status == status) return std::nullopt;
  return ProductStatusChanged{.product_id = product_id, .status = status, .at_ms = now_ms};
}

namespace {

void SetStock(ProductState& product, OptionId option_id, Quantity stock) {
  for (auto& option : product.options) {
    if (option.option_id == option_id) option.stock = stock;
  }
}

}  // namespace

void Evolve(ProductState& product, const ProductCreated& e) {
  product.name = e.name;
  product.options.clear();
  for (const auto& o : e.options) {
    product.options.push_back({.option_id = o.option_id, .name = o.name, .price = o.price, .stock = o.stock});
  }
}

void Evolve(ProductState& product, const StockRestocked& e) { SetStock(product, e.option_id, e.stock_after); }
void Evolve(ProductState& product, const StockReserved& e) { SetStock(product, e.option_id, e.stock_after); }
void Evolve(ProductState& product, const StockReleased& e) { SetStock(product, e.option_id, e.stock_after); }
void Evolve(ProductState& product, const ProductStatusChanged& e) { product.status = e.status; }

Result<Events> Decide(const StateView& state, const CreateProduct& c, const DecideContext&) {
  const LastIds& last = state.last_ids();
  return OneEvent(DecideCreateProduct(last.product + 1, last.option + 1, c.product));
}

Result<Events> Decide(const StateView& state, const SetProductStatus& c, const DecideContext& ctx) {
  const ProductState* product = state.FindProduct(c.product_id);
  if (product == nullptr) return Fail(DomainErrc::kProductNotFound);
  Events events;
  if (auto changed = DecideSetStatus(*product, c.product_id, c.status, ctx.now_ms)) events.push_back(*changed);
  return events;
}

Result<Events> Decide(const StateView& state, const RestockOption& c, const DecideContext&) {
  auto option = ResolveOption(state.FindProduct(c.product_id), c.product_id, c.option_id);
  if (!option) return Fail(option.error());
  return OneEvent(DecideRestock(**option, c.product_id, (*option)->option_id, c.quantity));
}

}  // namespace eventmart
