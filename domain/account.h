// domain/account.h
// Users and their point balances: decisions (pure functions of state and
// command) and the folds that rebuild state from events.
// Not thread-safe; the command processor owns all state on one thread.
#pragma once

#include <string_view>

#include "domain/events.h"
#include "domain/ids.h"
#include "domain/result.h"

namespace eventmart {

inline constexpr std::size_t kMaxNameLength = 100;

struct AccountState {
  Money balance = 0;
};

// Registers a user under the id the caller allocated. Rejects empty names
// and names over kMaxNameLength bytes with kInvalidRequest.
[[nodiscard]] Result<UserRegistered> DecideRegisterUser(UserId new_id, std::string_view name);

// Charges `amount` (>= 1) as long as the balance stays <= max_balance.
[[nodiscard]] Result<PointsCharged> DecideCharge(const AccountState& account, UserId user_id,
                                                 Money amount, Money max_balance);

void Apply(AccountState& account, const PointsCharged& event);

}  // namespace eventmart
