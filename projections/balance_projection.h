// projections/balance_projection.h
// Users, point balances and point history, for
//   GET /api/v1/points/{userId}            (balance)
//   GET /api/v1/points/{userId}/history    (newest first, cursor paged)
// Keys (under "balances/"):
//   u<userId BE8>               -> name
//   b<userId BE8>               -> balance (BE8)
//   h<userId BE8><position BE8> -> history entry
//   s<len(issuer) BE8><issuer><subject> -> userId (BE8): users bound to a
//                                token subject (`serve --auth jwt`)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/account.h"
#include "domain/ids.h"
#include "projections/projection.h"

namespace eventmart {

class BalanceProjection final : public FoldOf<BalanceProjection, UserRegistered, PointsCharged, PointsSpent> {
 public:
  static constexpr std::string_view kName = "balances";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
};

enum class HistoryType { kCharge, kPayment };

struct HistoryEntry {
  HistoryType type = HistoryType::kCharge;
  Money amount = 0;
  Money balance_after = 0;
  std::int64_t order_id = 0;  // 0 for charges
  TimeMs occurred_at_ms = 0;
  GlobalPosition position = 0;
};

using HistoryPage = Page<HistoryEntry, GlobalPosition>;  // next: the lowest key to go on from

// Reads of the balances read model. Each fails (ReadModelErrc) when the
// store fails a read or holds a record it cannot decode; unknown is nullopt.
class BalanceQueries {
 public:
  explicit BalanceQueries(ReadModelReader reader) : reader_(std::move(reader)) {}

  [[nodiscard]] Result<std::optional<std::string>> UserName(UserId user) const;
  // The balance of a known user (0 before any charge); nullopt if unknown.
  [[nodiscard]] Result<std::optional<Money>> Balance(UserId user) const;
  // The user a token subject is bound to; nullopt if none.
  [[nodiscard]] Result<std::optional<UserId>> UserBySubject(const Subject& subject) const;
  // Entries older than `before` (0 = from the newest), at most `limit`.
  [[nodiscard]] Result<HistoryPage> History(UserId user, std::size_t limit, GlobalPosition before) const;

 private:
  ReadModelReader reader_;
};

}  // namespace eventmart
