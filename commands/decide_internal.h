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
Result<Decision> DecideOne(const WriteModel& model, const PlaceOrder& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const PayOrder& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const CancelOrder& c, const DecideContext& ctx);
Result<Decision> DecideOne(const WriteModel& model, const ExpireOrder& c, const DecideContext& ctx);

// The option a request names, which must belong to the product; with no
// option given, the product's only option.
Result<OptionId> ResolveOption(const WriteModel& model, ProductId product_id, std::optional<OptionId> option_id);

}  // namespace eventmart::decide_internal
