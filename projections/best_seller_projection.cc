#include "projections/best_seller_projection.h"

#include <algorithm>

#include "eventstore/envelope.h"
#include "projections/keys.h"

namespace eventmart {

void SalesRanking::Window::Change(ProductId product, Quantity delta) {
  Quantity& total = totals[product];
  if (total > 0) ranked.erase({product, total});
  total += delta;
  if (total > 0) {
    ranked.insert({product, total});
  } else {
    totals.erase(product);
  }
}

void SalesRanking::Add(TimeMs paid_at_ms, ProductId product, Quantity quantity) {
  std::lock_guard lock(mu_);
  sales_.push_back({paid_at_ms, product, quantity});
  for (auto& window : windows_) {
    if (window.active) window.Change(product, quantity);
  }
  ExpireAll(paid_at_ms);  // a sale's time is close enough to now to age the others
}

// Ages the windows in use to now_ms, and forgets sales older than the longest window.
void SalesRanking::ExpireAll(TimeMs now_ms) {
  for (int d = 1; d <= kMaxRankingDays; ++d) {
    if (windows_[d - 1].active) Expire(windows_[d - 1], now_ms - d * kDayMs);
  }
  while (!sales_.empty() && sales_.front().at_ms <= now_ms - kMaxRankingDays * kDayMs) {
    sales_.pop_front();
    ++dropped_;
  }
}

// Builds a window from the kept sales newer than from_ms.
void SalesRanking::Activate(Window& window, TimeMs from_ms) {
  window = Window{};
  window.active = true;
  window.next = dropped_;
  for (const Sale& sale : sales_) {
    if (sale.at_ms <= from_ms) {
      ++window.next;
      continue;
    }
    window.Change(sale.product, sale.quantity);
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
    window.Change(sale.product, -sale.quantity);
    ++window.next;
  }
}

std::vector<RankedProduct> SalesRanking::Top(TimeMs now_ms, int days, std::size_t limit) {
  std::lock_guard lock(mu_);
  days = std::clamp(days, 1, kMaxRankingDays);
  ExpireAll(now_ms);
  Window& window = windows_[days - 1];
  if (!window.active) Activate(window, now_ms - days * kDayMs);
  std::vector<RankedProduct> top;
  for (auto it = window.ranked.begin(); it != window.ranked.end() && top.size() < limit; ++it) top.push_back(*it);
  return top;
}

void SalesRanking::Swap(SalesRanking& other) {
  std::scoped_lock lock(mu_, other.mu_);
  std::swap(sales_, other.sales_);
  std::swap(dropped_, other.dropped_);
  std::swap(windows_, other.windows_);
}

void BestSellerProjection::TakeOver(Projection& old) {
  auto& previous = static_cast<BestSellerProjection&>(old);
  previous.ranking_->Swap(*ranking_);  // queries hold the old ranking object: give it our contents
  ranking_ = previous.ranking_;
}

Result<void> BestSellerProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  const auto* paid = std::get_if<OrderPaid>(&event);
  if (paid == nullptr) return {};
  for (const auto& line : paid->lines) {
    // Keyed by option: one order may hold several options of one product.
    std::string key = keys::Tagged('s', paid->paid_at_ms, paid->order_id);
    PutFixed64BE(&key, static_cast<std::uint64_t>(line.option_id));
    std::string value;
    PutFixed64BE(&value, static_cast<std::uint64_t>(line.product_id));
    PutFixed64BE(&value, static_cast<std::uint64_t>(line.quantity));
    out.Put(key, value);
    ranking_->Add(paid->paid_at_ms, line.product_id, line.quantity);
  }
  return {};
}

Result<void> BestSellerProjection::Load(const ReadModelReader& reader) {
  ranking_->Clear();
  TimeMs from = loaded_at_ms_ - kMaxRankingDays * kDayMs;
  return reader.Scan("s", keys::Tagged('s', std::max<TimeMs>(from, 0)), /*reverse=*/false,
                     [&](std::string_view key, std::string_view value) -> Result<bool> {
                       if (key.size() != 25 || value.size() != 16) {
                         return CorruptRecord(reader.prefix(), key, "sale line");
                       }
                       ranking_->Add(keys::IdAt(key, 1), keys::IdAt(value, 0), keys::IdAt(value, 8));
                       return true;
                     });
}

}  // namespace eventmart
