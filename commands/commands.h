// commands/commands.h
// What clients ask for (commands) and what they get back when it is done
// (replies). Commands are validated for shape by the API before they get
// here; business rules are decided in domain/.
#pragma once

#include <string>
#include <variant>

#include "domain/ids.h"

namespace eventmart {

struct RegisterUser {
  std::string name;
};

struct ChargePoints {
  UserId user_id = 0;
  Money amount = 0;
};

using Command = std::variant<RegisterUser, ChargePoints>;

struct UserReply {
  UserId user_id = 0;
  std::string name;
};

struct BalanceReply {
  UserId user_id = 0;
  Money balance = 0;
};

using Reply = std::variant<UserReply, BalanceReply>;

}  // namespace eventmart
