#include "domain/decide.h"

#include <string>

#include "domain/errors.h"

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

namespace {

bool IsShapeOrExistence(const Result<Events>& decided) {
  if (decided) return false;
  const auto& code = decided.error().code;
  if (code.category() != DomainCategory()) return false;
  switch (static_cast<DomainErrc>(code.value())) {
    case DomainErrc::kInvalidRequest:
    case DomainErrc::kInvalidAmount:
    case DomainErrc::kUserNotFound:
    case DomainErrc::kProductNotFound:
    case DomainErrc::kCouponNotFound:
    case DomainErrc::kOrderNotFound:
      return true;
    default:
      return false;
  }
}

// A command with an actor is decided as usual, and then refused if the
// actor is not the user it names. Deciding first keeps the contract's
// order: a 400 or 404 of the request wins over the 403, the 403 over any
// 409 (the decision is pure, so dropping it costs nothing).
template <class C>
Result<Events> DecideActing(const StateView& state, const C& c, const DecideContext& context) {
  auto decided = Decide(state, c, context);
  if constexpr (requires { c.actor; c.user_id; }) {
    if (c.actor && !IsShapeOrExistence(decided)) {
      const BoundUser* bound = state.FindUserBySubject(*c.actor);
      if (bound == nullptr || bound->user_id != c.user_id) {
        return Fail(DomainErrc::kForbidden, "the token does not act for user " + std::to_string(c.user_id.value()));
      }
    }
  }
  return decided;
}

}  // namespace

Result<Events> Decide(const StateView& state, const Command& command, const DecideContext& context) {
  return std::visit([&](const auto& c) { return DecideActing(state, c, context); }, command);
}

}  // namespace eventmart
