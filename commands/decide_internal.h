// commands/decide_internal.h
// One Decide overload per command, grouped by area in decide_*.cc.
#pragma once

#include "commands/decide.h"

namespace eventmart::decide_internal {

Result<Decision> DecideOne(const WriteModel& model, const RegisterUser& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const ChargePoints& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const CreateProduct& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const RestockOption& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const AddCartItem& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const RemoveCartItem& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const CreateCoupon& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const IssueCoupon& c, const DecideContext& ctx);

}  // namespace eventmart::decide_internal
