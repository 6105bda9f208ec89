// Products, stock and carts.
#include "commands/decide_internal.h"
#include "domain/errors.h"

namespace eventmart::decide_internal {

Result<OptionId> ResolveOption(const WriteModel& model, ProductId product_id, std::optional<OptionId> option_id) {
  const ProductState* product = model.FindProduct(product_id);
  if (product == nullptr) return Fail(DomainErrc::kProductNotFound);
  if (!option_id) {
    if (product->option_ids.size() != 1) {
      return Fail(DomainErrc::kInvalidRequest, "optionId is required: the product has " +
                                                   std::to_string(product->option_ids.size()) + " options");
    }
    return product->option_ids.front();
  }
  const OptionState* option = model.FindOption(*option_id);
  if (option == nullptr || option->product_id != product_id) {
    return Fail(DomainErrc::kProductNotFound, "option " + std::to_string(*option_id) + " is not one of product " +
                                                  std::to_string(product_id) + "'s options");
  }
  return *option_id;
}

Result<Decision> DecideOne(const WriteModel& model, const CreateProduct& c, const DecideContext&) {
  auto event = DecideCreateProduct(model.NextProductId(), model.NextOptionId(), c.product);
  if (!event) return Fail(event.error());
  ProductView view{.product_id = event->product_id, .name = event->name, .options = event->options};
  return Decision{.events = {std::move(*event)}, .reply = std::move(view)};
}

Result<Decision> DecideOne(const WriteModel& model, const RestockOption& c, const DecideContext&) {
  auto option = ResolveOption(model, c.product_id, c.option_id);
  if (!option) return Fail(option.error());
  auto event = DecideRestock(*model.FindOption(*option), c.product_id, *option, c.quantity);
  if (!event) return Fail(event.error());
  ProductView view = model.ProductViewOf(c.product_id);
  for (auto& o : view.options) {
    if (o.option_id == *option) o.stock = event->stock_after;
  }
  return Decision{.events = {*event}, .reply = std::move(view)};
}

Result<Decision> DecideOne(const WriteModel& model, const AddCartItem& c, const DecideContext&) {
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  auto option = ResolveOption(model, c.product_id, c.option_id);
  if (!option) return Fail(option.error());
  const CartState* cart = model.FindCart(c.user_id);
  auto event = DecideAddToCart(cart ? *cart : CartState{}, c.user_id, c.product_id, *option, c.quantity,
                               model.FindOption(*option)->stock);
  if (!event) return Fail(event.error());
  CartState after = cart ? *cart : CartState{};
  Apply(after, *event);
  return Decision{.events = {*event}, .reply = model.CartViewOf(c.user_id, after)};
}

Result<Decision> DecideOne(const WriteModel& model, const RemoveCartItem& c, const DecideContext&) {
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  const CartState* cart = model.FindCart(c.user_id);
  auto event = DecideRemoveFromCart(cart ? *cart : CartState{}, c.user_id, c.option_id);
  Decision decision{.events = {}, .reply = NoContentReply{}};
  if (event) decision.events.push_back(*event);
  return decision;
}

}  // namespace eventmart::decide_internal
