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

// The product with each option's current stock ("s<optionId>", when it
// has moved); its status is `status`, or read from the on-sale index.
Result<ProductView> ToView(const ReadModelReader& reader, ProductId id, ProductRecord record,
                           std::optional<ProductStatus> status = std::nullopt) {
  ProductView view{.product_id = id, .name = std::move(record.name), .options = std::move(record.options)};
  if (!status) {
    auto on_sale = reader.Get(keys::Tagged('n', id));
    if (!on_sale) return Fail(on_sale.error());
    status = *on_sale ? ProductStatus::kOnSale : ProductStatus::kStopped;
  }
  view.status = *status;
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
    out.Put(keys::Tagged('n', e.product_id), "");
  }
  void operator()(const ProductStatusChanged& e) {
    if (e.status == ProductStatus::kOnSale) {
      out.Put(keys::Tagged('n', e.product_id), "");
    } else {
      out.Delete(keys::Tagged('n', e.product_id));
    }
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

Result<std::optional<std::string>> CatalogQueries::ProductName(ProductId id) const {
  std::string key = keys::Tagged('p', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<std::string>();
  auto record = DecodeFields<ProductRecord>(**stored);
  if (!record) return CorruptRecord(reader_.prefix(), key, "product record");
  return std::optional<std::string>(std::move(record->name));
}

Result<std::optional<ProductId>> CatalogQueries::ProductOfOption(OptionId id) const {
  std::string key = keys::Tagged('o', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<ProductId>();
  if ((*stored)->size() != 8) return CorruptRecord(reader_.prefix(), key, "product id");
  return std::optional<ProductId>(keys::IdAt(**stored, 0));
}

Result<ProductPage> CatalogQueries::List(ProductId after, std::size_t limit, bool include_sold_out,
                                         bool include_stopped) const {
  ProductPage page;
  // Adds one product (its record already read); false once the page is full.
  auto add = [&](ProductId id, std::string_view key, std::string_view value,
                 std::optional<ProductStatus> status) -> Result<bool> {
    auto record = DecodeFields<ProductRecord>(value);
    if (!record) return CorruptRecord(reader_.prefix(), key, "product record");
    auto view = ToView(reader_, id, std::move(*record), status);
    if (!view) return Fail(view.error());
    if (!include_sold_out && view->TotalStock() == 0) return true;
    if (page.items.size() == limit) {
      page.next = page.items.back().product_id;
      return false;
    }
    page.items.push_back(std::move(*view));
    return true;
  };
  Result<void> scanned;
  if (include_stopped) {
    scanned = reader_.Scan("p", keys::Tagged('p', after + 1), /*reverse=*/false,
                           [&](std::string_view key, std::string_view value) -> Result<bool> {
      if (key.size() != 9) return CorruptRecord(reader_.prefix(), key, "product record");
      return add(keys::IdAt(key, 1), key, value, std::nullopt);
    });
  } else {
    scanned = reader_.Scan("n", keys::Tagged('n', after + 1), /*reverse=*/false,
                           [&](std::string_view key, std::string_view) -> Result<bool> {
      if (key.size() != 9) return CorruptRecord(reader_.prefix(), key, "on-sale index");
      ProductId id = keys::IdAt(key, 1);
      std::string product_key = keys::Tagged('p', id);
      auto stored = reader_.Get(product_key);
      if (!stored) return Fail(stored.error());
      if (!*stored) return CorruptRecord(reader_.prefix(), key, "on-sale index (no such product)");
      return add(id, product_key, **stored, ProductStatus::kOnSale);
    });
  }
  if (!scanned) return Fail(scanned.error());
  return page;
}

}  // namespace eventmart
