#include "projections/best_seller_projection.h"

#include <algorithm>

#include "eventstore/envelope.h"
#include "projections/keys.h"

namespace eventmart {

void SalesRanking::Add(TimeMs paid_at_ms, ProductId product, Quantity quantity) {
  std::lock_guard lock(mu_);
  sales_.push_back({paid_at_ms, product, quantity});
  for (auto& window : windows_) window.totals[product] += quantity;
  ExpireAll(paid_at_ms);  // a sale's time is close enough to now to age the others
}

// Ages every window to now_ms, then forgets sales no window counts any more.
void SalesRanking::ExpireAll(TimeMs now_ms) {
  for (int d = 1; d <= kMaxRankingDays; ++d) Expire(windows_[d - 1], now_ms - d * kDayMs);
  // The longest window has the oldest start, so it lets go last.
  while (!sales_.empty() && dropped_ < windows_.back().next) {
    sales_.pop_front();
    ++dropped_;
  }
}

void SalesRanking::Clear() {
  std::lock_guard lock(mu_);
  sales_.clear();
  dropped_ = 0;
  windows_ = {};
}

// Takes out of `window` every sale paid at or before from_ms.
void SalesRanking::Expire(Window& window, TimeMs from_ms) {
  window.next = std::max(window.next, dropped_);
  while (window.next < dropped_ + sales_.size()) {
    const Sale& sale = sales_[window.next - dropped_];
    if (sale.at_ms > from_ms) break;
    auto it = window.totals.find(sale.product);
    if (it != window.totals.end() && (it->second -= sale.quantity) <= 0) window.totals.erase(it);
    ++window.next;
  }
}

std::vector<RankedProduct> SalesRanking::Top(TimeMs now_ms, int days, std::size_t limit) {
  std::lock_guard lock(mu_);
  days = std::clamp(days, 1, kMaxRankingDays);
  ExpireAll(now_ms);
  const Window& window = windows_[days - 1];
  std::vector<RankedProduct> ranked;
  ranked.reserve(window.totals.size());
  for (const auto& [product, sold] : window.totals) ranked.push_back({product, sold});
  auto better = [](const RankedProduct& a, const RankedProduct& b) {
    return a.sold != b.sold ? a.sold > b.sold : a.product_id < b.product_id;
  };
  std::size_t n = std::min(limit, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(), better);
  ranked.resize(n);
  return ranked;
}

void BestSellerProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  const auto* paid = std::get_if<OrderPaid>(&event);
  if (paid == nullptr) return;
  for (const auto& line : paid->lines) {
    std::string key = keys::Tagged('s', paid->paid_at_ms, paid->order_id);
    PutFixed64BE(&key, static_cast<std::uint64_t>(line.product_id));
    std::string quantity;
    PutFixed64BE(&quantity, static_cast<std::uint64_t>(line.quantity));
    out.Put(key, quantity);
    ranking_->Add(paid->paid_at_ms, line.product_id, line.quantity);
  }
}

Result<void> BestSellerProjection::Load(const ReadModelReader& reader) {
  ranking_->Clear();
  TimeMs from = loaded_at_ms_ - kMaxRankingDays * kDayMs;
  reader.Scan("s", keys::Tagged('s', std::max<TimeMs>(from, 0)), /*reverse=*/false,
              [&](std::string_view key, std::string_view value) {
                if (key.size() != 25 || value.size() != 8) return true;
                ranking_->Add(keys::IdAt(key, 1), keys::IdAt(key, 17), keys::IdAt(value, 0));
                return true;
              });
  return {};
}

}  // namespace eventmart
