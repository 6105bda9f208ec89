// Users and points.
#include "commands/decide_internal.h"
#include "domain/errors.h"

namespace eventmart::decide_internal {

Result<Decision> DecideOne(const WriteModel& model, const RegisterUser& c, const DecideContext&) {
  auto event = DecideRegisterUser(model.NextUserId(), c.name);
  if (!event) return Fail(event.error());
  Reply reply = UserReply{.user_id = event->user_id, .name = event->name};
  return Decision{.events = {std::move(*event)}, .reply = std::move(reply)};
}

Result<Decision> DecideOne(const WriteModel& model, const ChargePoints& c, const DecideContext& ctx) {
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  const AccountState* account = model.FindAccount(c.user_id);
  auto event = DecideCharge(account ? *account : AccountState{}, c.user_id, c.amount, ctx.max_balance);
  if (!event) return Fail(event.error());
  Reply reply = BalanceReply{.user_id = c.user_id, .balance = event->balance_after};
  return Decision{.events = {*event}, .reply = std::move(reply)};
}

}  // namespace eventmart::decide_internal
