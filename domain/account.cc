#include "domain/account.h"

#include "domain/errors.h"

namespace eventmart {

Result<UserRegistered> DecideRegisterUser(UserId new_id, std::string_view name) {
  if (name.empty()) return Fail(DomainErrc::kInvalidRequest, "name must not be empty");
  if (name.size() > kMaxNameLength) return Fail(DomainErrc::kInvalidRequest, "name is too long");
  return UserRegistered{.user_id = new_id, .name = std::string(name)};
}

Result<PointsCharged> DecideCharge(const AccountState& account, UserId user_id, Money amount,
                                   Money max_balance) {
  if (amount < 1) return Fail(DomainErrc::kInvalidAmount, "amount must be at least 1");
  // Written as a subtraction so that huge amounts cannot overflow.
  if (amount > max_balance - account.balance) {
    return Fail(DomainErrc::kBalanceLimitExceeded, "the balance would exceed the limit");
  }
  return PointsCharged{.user_id = user_id, .amount = amount,
                       .balance_after = account.balance + amount};
}

void Apply(AccountState& account, const PointsCharged& event) {
  account.balance = event.balance_after;
}

}  // namespace eventmart
