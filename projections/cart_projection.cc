#include "projections/cart_projection.h"

#include "eventstore/fields_codec.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

struct CartLineRecord {
  ProductId product_id = 0;
  Quantity quantity = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("productId", s.product_id);
    v("quantity", s.quantity);
  }
};

}  // namespace

namespace {

struct CartFolder {
  ReadModelWriter& out;
  void operator()(const CartItemAdded& e) {
    out.Put(keys::Tagged('l', e.user_id, e.option_id), EncodeFields(CartLineRecord{e.product_id, e.quantity_after}));
  }
  void operator()(const CartItemRemoved& e) { out.Delete(keys::Tagged('l', e.user_id, e.option_id)); }
  void operator()(const auto&) {}
};

}  // namespace

Result<void> CartProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  std::visit(CartFolder{out}, event);  // writes only: nothing stored is read
  return {};
}

Result<CartView> CartQueries::Cart(UserId user) const {
  CartView cart{.user_id = user, .items = {}};
  std::string prefix = keys::Tagged('l', user);
  auto scanned = carts_.Scan(prefix, prefix, /*reverse=*/false,
                             [&](std::string_view key, std::string_view value) -> Result<bool> {
    auto line = DecodeFields<CartLineRecord>(value);
    if (!line || key.size() != 17) return CorruptRecord(carts_.prefix(), key, "cart line");
    OptionId option_id = keys::IdAt(key, 9);
    CartLineView item{.product_id = line->product_id, .option_id = option_id, .name = {}, .option_name = {},
                      .unit_price = 0, .quantity = line->quantity};
    auto product = catalog_.FindProduct(line->product_id);
    if (!product) return Fail(product.error());
    if (*product) {
      item.name = (*product)->name;
      for (const auto& o : (*product)->options) {
        if (o.option_id == option_id) {
          item.option_name = o.name;
          item.unit_price = o.price;
        }
      }
    }
    cart.items.push_back(std::move(item));
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return cart;
}

}  // namespace eventmart
