// projections/best_seller_projection.h
// Products ranked by quantity in orders paid within a rolling window
// (1 to 30 days, to now), for GET /api/v1/products/best. Answered from
// memory: SalesRanking keeps, for each window length, running totals per
// product in rank order, and drops sales from a window as they age out of
// it, so a query costs O(limit), whatever the number of products. A window
// length is kept up to date from its first query on (built then from the
// sales of the last 30 days), so sales pay only for the windows in use.
// Every sale line is also stored (under "bestsellers/s<paidAt BE8>
// <orderId BE8><optionId BE8>" -> productId BE8, quantity BE8), so a restart
// reloads the last 30 days instead of replaying the log.
#pragma once

#include <array>
#include <deque>
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

// Thread-safe.
class SalesRanking {
 public:
  void Add(TimeMs paid_at_ms, ProductId product, Quantity quantity);
  // The top `limit` products by quantity sold in (now - days, now],
  // ties by lower product id.
  std::vector<RankedProduct> Top(TimeMs now_ms, int days, std::size_t limit);
  void Clear();
  // Exchanges contents, so that whoever holds `other` sees ours.
  void Swap(SalesRanking& other);

 private:
  struct Sale {
    TimeMs at_ms;
    ProductId product;
    Quantity quantity;
  };
  // Best first: more sold, then the lower product id.
  struct Better {
    bool operator()(const RankedProduct& a, const RankedProduct& b) const {
      return a.sold != b.sold ? a.sold > b.sold : a.product_id < b.product_id;
    }
  };
  struct Window {
    bool active = false;   // kept up to date only once somebody asked for it
    std::size_t next = 0;  // absolute index of the oldest sale still counted
    std::unordered_map<ProductId, Quantity> totals;
    std::set<RankedProduct, Better> ranked;  // the same totals, in rank order

    void Change(ProductId product, Quantity delta);
  };
  void Expire(Window& window, TimeMs from_ms);
  void ExpireAll(TimeMs now_ms);
  void Activate(Window& window, TimeMs from_ms);

  std::mutex mu_;
  std::deque<Sale> sales_;  // in the order they were paid
  std::size_t dropped_ = 0;  // absolute index of sales_.front()
  std::array<Window, kMaxRankingDays> windows_;  // windows_[d-1]: the last d days
};

class BestSellerProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "bestsellers";
  BestSellerProjection(std::shared_ptr<SalesRanking> ranking, TimeMs now_ms)
      : ranking_(std::move(ranking)), loaded_at_ms_(now_ms) {}

  std::string_view name() const override { return kName; }
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  bool Wants(std::string_view type) const override { return IsOneOf<OrderPaid>(type); }
  Result<void> Load(const ReadModelReader& reader) override;
  void TakeOver(Projection& old) override;

 private:
  std::shared_ptr<SalesRanking> ranking_;
  TimeMs loaded_at_ms_;
};

}  // namespace eventmart
