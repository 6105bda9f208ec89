// commands/replies.h
// What a client gets back once its command is done. Built from the events
// the command recorded and the state they were folded into, so a reply shows
// exactly what was decided (the views are the same shapes queries return).
#pragma once

#include <string>
#include <variant>

#include "domain/aggregates.h"
#include "domain/commands.h"
#include "domain/decide.h"
#include "domain/views.h"

namespace eventmart {

struct UserReply {
  UserId user_id = 0;
  std::string name;
  bool created = true;  // false: the token's subject was bound to this user already
};

struct BalanceReply {
  UserId user_id = 0;
  Money balance = 0;
};

struct NoContentReply {};

// A waiting-room request, recorded and pending.
struct CouponRequestReply {
  CouponRequestId request_id = 0;
};

using Reply = std::variant<UserReply, BalanceReply, ProductView, CouponView, UserCouponView, CartView, OrderView,
                           PaymentView, NoContentReply, CouponRequestReply>;

// The reply to `command`, whose `events` have just been folded into `state`.
Reply ReplyTo(const Command& command, const Events& events, const StateView& state);

// Views of the current state (names and prices included).
ProductView ProductViewOf(const StateView& state, ProductId id);
CouponView CouponViewOf(const StateView& state, CouponId id);
CartView CartViewOf(const StateView& state, UserId user);

}  // namespace eventmart
