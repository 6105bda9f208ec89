// domain/decide.h
// Every command's decision: a pure function from the state it reads to the
// events it records, or an error (a business rejection from errors.h; the
// state is unchanged). Events come in append order and may span several
// streams, appended atomically. Nothing here reads a clock or does I/O.
//
// Checks run in the contract's order: shape (400) -> existence (404) ->
// ownership (403) -> business rules (409).
#pragma once

#include <vector>

#include "domain/commands.h"
#include "domain/events.h"
#include "domain/result.h"
#include "domain/state.h"

namespace eventmart {

using Events = std::vector<DomainEvent>;

[[nodiscard]] Result<Events> Decide(const StateView& state, const Command& command, const DecideContext& context);

// A decision that records one event, or none on rejection.
template <class E>
[[nodiscard]] Result<Events> OneEvent(Result<E> decided) {
  if (!decided) return Fail(std::move(decided.error()));
  return Events{std::move(*decided)};
}

// One per command, beside the rules of the aggregate it is about.
// account.cc
[[nodiscard]] Result<Events> Decide(const StateView& state, const RegisterUser& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const ChargePoints& c, const DecideContext& ctx);
// catalog.cc
[[nodiscard]] Result<Events> Decide(const StateView& state, const CreateProduct& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const RestockOption& c, const DecideContext& ctx);
// Setting the status a product already has records nothing.
[[nodiscard]] Result<Events> Decide(const StateView& state, const SetProductStatus& c, const DecideContext& ctx);
// cart.cc
[[nodiscard]] Result<Events> Decide(const StateView& state, const AddCartItem& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const RemoveCartItem& c, const DecideContext& ctx);
// coupon.cc
[[nodiscard]] Result<Events> Decide(const StateView& state, const CreateCoupon& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const IssueCoupon& c, const DecideContext& ctx);
// Pausing a paused coupon, or resuming a running one, records nothing.
[[nodiscard]] Result<Events> Decide(const StateView& state, const PauseCoupon& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const ResumeCoupon& c, const DecideContext& ctx);
// coupon_request.cc (the waiting room)
[[nodiscard]] Result<Events> Decide(const StateView& state, const RequestCoupon& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const DecideCouponRequest& c, const DecideContext& ctx);
// order.cc
[[nodiscard]] Result<Events> Decide(const StateView& state, const PlaceOrder& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const PayOrder& c, const DecideContext& ctx);
[[nodiscard]] Result<Events> Decide(const StateView& state, const CancelOrder& c, const DecideContext& ctx);
// Expiring an order that is paid, cancelled or not due yet records nothing.
[[nodiscard]] Result<Events> Decide(const StateView& state, const ExpireOrder& c, const DecideContext& ctx);

}  // namespace eventmart
