// projections/best_seller_projection.h
// Products ranked by quantity in orders paid within a rolling window
// (1 to 30 days, to now), for GET /api/v1/products/best.
//
// Every sale line is stored, under "bestsellers/s<paidAt BE8><orderId BE8>
// <optionId BE8>" -> productId BE8, quantity BE8, log position BE8. Memory
// holds only, for each window length in use, a running total per product in
// rank order: bounded by the catalog, not by the sales, so a query costs
// O(limit) and a shop's busiest month costs no more memory than a quiet one.
// A window is built from the stored sales the first time it is asked for;
// as time passes, the sales that age out of it are read back from the
// store and taken out. New sales come in once their batch is durable
// (Committed), so what is read back is exactly what was taken in.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "projections/projection.h"

namespace eventmart {

inline constexpr int kMaxRankingDays = 30;
inline constexpr TimeMs kDayMs = 24LL * 3600 * 1000;

struct RankedProduct {
  ProductId product_id = 0;
  Quantity sold = 0;
};

// One line of a paid order, as stored.
struct Sale {
  TimeMs paid_at_ms = 0;
  ProductId product = 0;
  Quantity quantity = 0;
  GlobalPosition position = 0;  // of its OrderPaid event
};

// Thread-safe.
class SalesRanking {
 public:
  // Sales whose batch is durable in `sales`' store, in log order.
  void AddDurable(const std::vector<Sale>& sales);
  // The top `limit` products by quantity sold in (now - days, now], ties by
  // lower product id; `sales` is the projection's reader, from which a
  // window is built and aged. kIoError or kCorruption from reading it.
  [[nodiscard]] Result<std::vector<RankedProduct>> Top(const ReadModelReader& sales, TimeMs now_ms, int days,
                                                       std::size_t limit);
  // Products with a total in memory, over every window in use: what memory
  // holds (tests check it stays bounded by the catalog).
  std::size_t totals() const;
  void Clear();

 private:
  // Best first: more sold, then the lower product id.
  struct Better {
    bool operator()(const RankedProduct& a, const RankedProduct& b) const {
      return a.sold != b.sold ? a.sold > b.sold : a.product_id < b.product_id;
    }
  };
  struct Window {
    bool active = false;  // kept up to date only once somebody asked for it
    TimeMs from_ms = 0;   // counts the sales paid after this
    // Every stored sale at or below this position is accounted for: counted
    // if paid after from_ms. Sales above it come in through AddDurable.
    GlobalPosition through = 0;
    std::unordered_map<ProductId, Quantity> totals;
    std::set<RankedProduct, Better> ranked;  // the same totals, in rank order

    void Change(ProductId product, Quantity delta);
  };
  Result<void> Activate(const ReadModelReader& sales, Window& window, TimeMs from_ms);
  Result<void> Expire(const ReadModelReader& sales, Window& window, TimeMs from_ms);

  mutable std::mutex mu_;
  std::array<Window, kMaxRankingDays> windows_;  // windows_[d-1]: the last d days
};

class BestSellerProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "bestsellers";
  // The window queries ask for unless they say otherwise: built at Load.
  static constexpr int kDefaultDays = 3;
  BestSellerProjection(std::shared_ptr<SalesRanking> ranking, TimeMs now_ms)
      : ranking_(std::move(ranking)), loaded_at_ms_(now_ms) {}

  std::string_view name() const override { return kName; }
  // 2: a sale line carries its log position.
  std::uint32_t format_version() const override { return 2; }
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  bool Wants(std::string_view type) const override { return IsOneOf<OrderPaid>(type); }
  Result<void> Load(const ReadModelReader& reader) override;
  void Committed() override;
  void TakeOver(Projection& old) override;

 private:
  std::shared_ptr<SalesRanking> ranking_;
  TimeMs loaded_at_ms_;
  std::vector<Sale> pending_;  // applied, not yet known to be durable
};

// A stored sale line, or kCorruption naming the key.
[[nodiscard]] Result<Sale> DecodeSale(const ReadModelReader& reader, std::string_view key, std::string_view value);

}  // namespace eventmart
