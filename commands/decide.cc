#include "commands/decide.h"

#include "domain/errors.h"

namespace eventmart {
namespace {

Result<Decision> DecideOne(const WriteModel& model, const RegisterUser& c, const DecideContext&) {
  auto event = DecideRegisterUser(model.NextUserId(), c.name);
  if (!event) return Fail(event.error());
  Reply reply = UserReply{.user_id = event->user_id, .name = event->name};
  return Decision{.events = {std::move(*event)}, .reply = std::move(reply)};
}

Result<Decision> DecideOne(const WriteModel& model, const ChargePoints& c, const DecideContext& ctx) {
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  const AccountEntry* account = model.FindAccount(c.user_id);
  auto event = DecideCharge(account ? account->state : AccountState{}, c.user_id, c.amount,
                            ctx.max_balance);
  if (!event) return Fail(event.error());
  Reply reply = BalanceReply{.user_id = c.user_id, .balance = event->balance_after};
  return Decision{.events = {*event}, .reply = std::move(reply)};
}

}  // namespace

Result<Decision> Decide(const WriteModel& model, const Command& command, const DecideContext& context) {
  return std::visit([&](const auto& c) { return DecideOne(model, c, context); }, command);
}

}  // namespace eventmart
