#include "commands/decide.h"

#include "commands/decide_internal.h"

namespace eventmart {

std::string_view CommandName(const Command& command) {
  struct Visitor {
    std::string_view operator()(const RegisterUser&) const { return "RegisterUser"; }
    std::string_view operator()(const ChargePoints&) const { return "ChargePoints"; }
    std::string_view operator()(const CreateProduct&) const { return "CreateProduct"; }
    std::string_view operator()(const RestockOption&) const { return "RestockOption"; }
    std::string_view operator()(const CreateCoupon&) const { return "CreateCoupon"; }
    std::string_view operator()(const IssueCoupon&) const { return "IssueCoupon"; }
    std::string_view operator()(const AddCartItem&) const { return "AddCartItem"; }
    std::string_view operator()(const RemoveCartItem&) const { return "RemoveCartItem"; }
  };
  return std::visit(Visitor{}, command);
}

Result<Decision> Decide(const WriteModel& model, const Command& command, const DecideContext& context) {
  return std::visit([&](const auto& c) { return decide_internal::DecideOne(model, c, context); }, command);
}

}  // namespace eventmart
