#include "domain/account.h"

#include "domain/decide.h"
#include "domain/errors.h"

namespace eventmart {

Result<UserRegistered> DecideRegisterUser(UserId new_id, std::string_view name, const Subject* subject) {
  if (name.empty()) return Fail(DomainErrc::kInvalidRequest, "name must not be empty");
  if (name.size() > kMaxNameLength) return Fail(DomainErrc::kInvalidRequest, "name is too long");
  UserRegistered registered{.user_id = new_id, .name = std::string(name)};
  if (subject != nullptr) {
    registered.issuer = subject->issuer;
    registered.subject = subject->subject;
  }
  return registered;
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

void Evolve(UserState&, const UserRegistered&) {}
void Evolve(AccountState& account, const PointsCharged& e) { account.balance = e.balance_after; }
void Evolve(AccountState& account, const PointsSpent& e) { account.balance = e.balance_after; }

Result<Events> Decide(const StateView& state, const RegisterUser& c, const DecideContext&) {
  const Subject* subject = c.subject ? &*c.subject : nullptr;
  auto registered = DecideRegisterUser(state.last_ids().user + 1, c.name, subject);
  if (!registered) return Fail(std::move(registered.error()));
  // A subject signs up once: asking again records nothing (the reply names
  // the user it is bound to), so racing sign-ups never make two users.
  if (subject != nullptr && state.FindUserBySubject(*subject) != nullptr) return Events{};
  return Events{std::move(*registered)};
}

Result<Events> Decide(const StateView& state, const ChargePoints& c, const DecideContext& ctx) {
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  const AccountState* account = state.FindAccount(c.user_id);
  return OneEvent(DecideCharge(account ? *account : AccountState{}, c.user_id, c.amount, ctx.max_balance));
}

}  // namespace eventmart
