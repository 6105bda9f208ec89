// projections/catalog_projection.h
// Products with their options, prices and orderable stock, for
//   GET /api/v1/products, GET /api/v1/products/{id}
// Keys (under "catalog/"):
//   p<productId BE8> -> ProductRecord (name, options; stock as created)
//   s<optionId BE8>  -> the option's current stock BE8, once it has changed
//   o<optionId BE8>  -> productId BE8
//   n<productId BE8> -> "" while the product is on sale: the index the
//                       default list walks, so stopped products cost it nothing
// Format 2 (seeds' rules): the "n" index. A read model of format 1 has no
// index and is rebuilt from the log at start (read_model_format.h).
#pragma once

#include <optional>
#include <vector>

#include "domain/views.h"
#include "projections/projection.h"

namespace eventmart {

class CatalogProjection final
    : public FoldOf<CatalogProjection, ProductCreated, StockRestocked, StockReserved, StockReleased,
                    ProductStatusChanged> {
 public:
  static constexpr std::string_view kName = "catalog";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  std::uint32_t format_version() const override { return 2; }
};

using ProductPage = Page<ProductView, ProductId>;  // next: the highest key to go on from

// Each query fails (ReadModelErrc) when a read fails or a stored record
// cannot be decoded; an unknown id is nullopt.
class CatalogQueries {
 public:
  explicit CatalogQueries(ReadModelReader reader) : reader_(std::move(reader)) {}

  [[nodiscard]] Result<std::optional<ProductView>> FindProduct(ProductId id) const;
  // Its name alone (one read: the best sellers need nothing else).
  [[nodiscard]] Result<std::optional<std::string>> ProductName(ProductId id) const;
  [[nodiscard]] Result<std::optional<ProductId>> ProductOfOption(OptionId id) const;
  // Products with id > after, ascending; sold-out ones only if asked.
  // Only products on sale (walking the on-sale index), unless
  // include_stopped (walking every product).
  [[nodiscard]] Result<ProductPage> List(ProductId after, std::size_t limit, bool include_sold_out,
                                         bool include_stopped = false) const;

 private:
  ReadModelReader reader_;
};

}  // namespace eventmart
