#include "projections/best_seller_projection.h"

#include <algorithm>
#include <limits>

#include "eventstore/envelope.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

constexpr std::size_t kSaleKeySize = 1 + 3 * 8;
constexpr std::size_t kSaleValueSize = 3 * 8;

// How a range of sales is read: a window's days at once, around the block
// cache; what ages out between two queries, through it (the same few
// blocks, query after query).
enum class Range { kWhole, kAgedOut };

// Visits the stored sales paid in (after_ms, up_to_ms], in time order.
template <class Visit>
Result<void> ScanPaid(const ReadModelReader& sales, Range range, TimeMs after_ms, TimeMs up_to_ms, Visit visit) {
  std::string start = keys::Tagged('s', std::max<TimeMs>(after_ms + 1, 0));
  auto each = [&](std::string_view key, std::string_view value) -> Result<bool> {
    auto sale = DecodeSale(sales, key, value);
    if (!sale) return Fail(sale.error());
    if (sale->paid_at_ms > up_to_ms) return false;
    visit(*sale);
    return true;
  };
  return range == Range::kWhole ? sales.ScanOnce("s", start, each) : sales.Scan("s", start, /*reverse=*/false, each);
}

}  // namespace

Result<Sale> DecodeSale(const ReadModelReader& reader, std::string_view key, std::string_view value) {
  if (key.size() != kSaleKeySize || value.size() != kSaleValueSize) {
    return CorruptRecord(reader.prefix(), key, "sale line");
  }
  return Sale{.paid_at_ms = keys::IdAt(key, 1),
              .product = keys::IdAt(value, 0),
              .quantity = keys::IdAt(value, 8),
              .position = static_cast<GlobalPosition>(keys::IdAt(value, 16))};
}

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

void SalesRanking::AddDurable(const std::vector<Sale>& sales) {
  std::lock_guard lock(mu_);
  for (auto& window : windows_) {
    if (!window.active) continue;
    // Compared with what the window had before this batch: the lines of one
    // order share their event's position.
    GlobalPosition through = window.through;
    for (const Sale& sale : sales) {
      if (sale.position <= through) continue;  // read from the store when the window was built
      if (sale.paid_at_ms > window.from_ms) window.Change(sale.product, sale.quantity);
      window.through = std::max(window.through, sale.position);
    }
  }
}

// Builds a window from the stored sales paid after from_ms.
Result<void> SalesRanking::Activate(const ReadModelReader& sales, Window& window, TimeMs from_ms) {
  window = Window{};
  // Totals first, ranked once at the end: days of sales (millions of lines)
  // would otherwise move a product in the ranked set at every line.
  auto scanned = ScanPaid(sales, Range::kWhole, from_ms, std::numeric_limits<TimeMs>::max(), [&](const Sale& sale) {
    window.totals[sale.product] += sale.quantity;
    window.through = std::max(window.through, sale.position);
  });
  if (!scanned) return scanned;
  std::erase_if(window.totals, [](const auto& entry) { return entry.second <= 0; });
  for (const auto& [product, total] : window.totals) window.ranked.insert({product, total});
  window.active = true;
  window.from_ms = from_ms;
  return {};
}

// Takes out of `window` the sales paid in (its from_ms, from_ms] that it counted.
Result<void> SalesRanking::Expire(const ReadModelReader& sales, Window& window, TimeMs from_ms) {
  if (from_ms <= window.from_ms) return {};
  auto scanned = ScanPaid(sales, Range::kAgedOut, window.from_ms, from_ms, [&](const Sale& sale) {
    if (sale.position <= window.through) window.Change(sale.product, -sale.quantity);
  });
  if (!scanned) return scanned;
  window.from_ms = from_ms;
  return {};
}

Result<std::vector<RankedProduct>> SalesRanking::Top(const ReadModelReader& sales, TimeMs now_ms, int days,
                                                     std::size_t limit) {
  std::lock_guard lock(mu_);
  days = std::clamp(days, 1, kMaxRankingDays);
  Window& window = windows_[days - 1];
  TimeMs from_ms = now_ms - days * kDayMs;
  // A window never moves back in time: one asked for earlier than it is
  // (the clock stepped back) is built again.
  auto ready = window.active && from_ms >= window.from_ms ? Expire(sales, window, from_ms)
                                                          : Activate(sales, window, from_ms);
  if (!ready) {
    window = Window{};  // half aged: built again at the next query
    return Fail(ready.error());
  }
  std::vector<RankedProduct> top;
  for (auto it = window.ranked.begin(); it != window.ranked.end() && top.size() < limit; ++it) top.push_back(*it);
  return top;
}

std::size_t SalesRanking::totals() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& window : windows_) n += window.totals.size();
  return n;
}

void SalesRanking::Clear() {
  std::lock_guard lock(mu_);
  windows_ = {};
}

Result<void> BestSellerProjection::Apply(const RecordedEventView& view, const DomainEvent& event,
                                         ReadModelWriter& out) {
  const auto* paid = std::get_if<OrderPaid>(&event);
  if (paid == nullptr) return {};
  for (const auto& line : paid->lines) {
    // Keyed by option: one order may hold several options of one product.
    std::string key = keys::Tagged('s', paid->paid_at_ms, paid->order_id);
    PutFixed64BE(&key, static_cast<std::uint64_t>(line.option_id));
    std::string value;
    PutFixed64BE(&value, static_cast<std::uint64_t>(line.product_id));
    PutFixed64BE(&value, static_cast<std::uint64_t>(line.quantity));
    PutFixed64BE(&value, view.position);
    out.Put(key, value);
    pending_.push_back({paid->paid_at_ms, line.product_id, line.quantity, view.position});
  }
  return {};
}

void BestSellerProjection::Committed() {
  ranking_->AddDurable(pending_);
  pending_.clear();
}

Result<void> BestSellerProjection::Load(const ReadModelReader& reader) {
  ranking_->Clear();
  pending_.clear();
  // Built now, on the projector's thread, so the first query need not.
  auto top = ranking_->Top(reader, loaded_at_ms_, kDefaultDays, 0);
  if (!top) return Fail(top.error());
  return {};
}

void BestSellerProjection::TakeOver(Projection& old) {
  // Queries hold the old ranking object: keep it, and let its windows be
  // built again from the rebuilt copy's sales.
  auto& previous = static_cast<BestSellerProjection&>(old);
  ranking_ = previous.ranking_;
  ranking_->Clear();
}

}  // namespace eventmart
