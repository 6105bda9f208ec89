#include "projections/catalog_projection.h"

#include "eventstore/fields_codec.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

struct ProductRecord {
  std::string name;
  std::vector<ProductOption> options;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("name", s.name);
    v("options", s.options);
  }
};

// The product with each option's current stock ("s<optionId>", when it has moved).
Result<ProductView> ToView(const ReadModelReader& reader, ProductId id, ProductRecord record) {
  ProductView view{.product_id = id, .name = std::move(record.name), .options = std::move(record.options)};
  for (auto& option : view.options) {
    std::string key = keys::Tagged('s', option.option_id);
    auto stock = reader.Get(key);
    if (!stock) return Fail(stock.error());
    if (!*stock) continue;  // never moved: the stock it was created with
    if ((*stock)->size() != 8) return CorruptRecord(reader.prefix(), key, "stock");
    option.stock = keys::IdAt(**stock, 0);
  }
  return view;
}

}  // namespace

namespace {

struct CatalogFolder {
  ReadModelWriter& out;
  void operator()(const ProductCreated& e) {
    out.Put(keys::Tagged('p', e.product_id), EncodeFields(ProductRecord{e.name, e.options}));
    std::string product;
    PutFixed64BE(&product, static_cast<std::uint64_t>(e.product_id));
    for (const auto& o : e.options) out.Put(keys::Tagged('o', o.option_id), product);
  }
  void operator()(const StockRestocked& e) { SetStock(e.product_id, e.option_id, e.stock_after); }
  void operator()(const StockReserved& e) { SetStock(e.product_id, e.option_id, e.stock_after); }
  void operator()(const StockReleased& e) { SetStock(e.product_id, e.option_id, e.stock_after); }
  void operator()(const auto&) {}

  // Stock has a key of its own: reserving is one small put, not a rewrite of the product.
  void SetStock(ProductId, OptionId option_id, Quantity stock) {
    std::string value;
    PutFixed64BE(&value, static_cast<std::uint64_t>(stock));
    out.Put(keys::Tagged('s', option_id), value);
  }
};

}  // namespace

Result<void> CatalogProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  std::visit(CatalogFolder{out}, event);  // writes only: nothing stored is read
  return {};
}

Result<std::optional<ProductView>> CatalogQueries::FindProduct(ProductId id) const {
  std::string key = keys::Tagged('p', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<ProductView>();
  auto record = DecodeFields<ProductRecord>(**stored);
  if (!record) return CorruptRecord(reader_.prefix(), key, "product record");
  auto view = ToView(reader_, id, std::move(*record));
  if (!view) return Fail(view.error());
  return std::optional<ProductView>(std::move(*view));
}

Result<std::optional<ProductId>> CatalogQueries::ProductOfOption(OptionId id) const {
  std::string key = keys::Tagged('o', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<ProductId>();
  if ((*stored)->size() != 8) return CorruptRecord(reader_.prefix(), key, "product id");
  return std::optional<ProductId>(keys::IdAt(**stored, 0));
}

Result<ProductPage> CatalogQueries::List(ProductId after, std::size_t limit, bool include_sold_out) const {
  ProductPage page;
  auto scanned = reader_.Scan("p", keys::Tagged('p', after + 1), /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) -> Result<bool> {
    auto record = DecodeFields<ProductRecord>(value);
    if (!record || key.size() != 9) return CorruptRecord(reader_.prefix(), key, "product record");
    auto view = ToView(reader_, keys::IdAt(key, 1), std::move(*record));
    if (!view) return Fail(view.error());
    if (!include_sold_out && view->TotalStock() == 0) return true;
    if (page.items.size() == limit) {
      page.next_after = page.items.back().product_id;
      return false;
    }
    page.items.push_back(std::move(*view));
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return page;
}

}  // namespace eventmart
