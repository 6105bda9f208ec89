#include "domain/decide.h"

namespace eventmart {

std::string_view CommandName(const Command& command) {
  struct Visitor {
    std::string_view operator()(const RegisterUser&) const { return "RegisterUser"; }
    std::string_view operator()(const ChargePoints&) const { return "ChargePoints"; }
    std::string_view operator()(const CreateProduct&) const { return "CreateProduct"; }
    std::string_view operator()(const RestockOption&) const { return "RestockOption"; }
    std::string_view operator()(const SetProductStatus&) const { return "SetProductStatus"; }
    std::string_view operator()(const PauseCoupon&) const { return "PauseCoupon"; }
    std::string_view operator()(const ResumeCoupon&) const { return "ResumeCoupon"; }
    std::string_view operator()(const CreateCoupon&) const { return "CreateCoupon"; }
    std::string_view operator()(const IssueCoupon&) const { return "IssueCoupon"; }
    std::string_view operator()(const AddCartItem&) const { return "AddCartItem"; }
    std::string_view operator()(const RemoveCartItem&) const { return "RemoveCartItem"; }
    std::string_view operator()(const PlaceOrder&) const { return "PlaceOrder"; }
    std::string_view operator()(const PayOrder&) const { return "PayOrder"; }
    std::string_view operator()(const CancelOrder&) const { return "CancelOrder"; }
    std::string_view operator()(const ExpireOrder&) const { return "ExpireOrder"; }
    std::string_view operator()(const RequestCoupon&) const { return "RequestCoupon"; }
    std::string_view operator()(const DecideCouponRequest&) const { return "DecideCouponRequest"; }
  };
  return std::visit(Visitor{}, command);
}

Result<Events> Decide(const StateView& state, const Command& command, const DecideContext& context) {
  return std::visit([&](const auto& c) { return Decide(state, c, context); }, command);
}

}  // namespace eventmart
