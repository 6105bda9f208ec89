// domain/account.h
// Users and their point balances: the states folded from their streams,
// and the rules of signing up and charging.
// Not thread-safe; the command processor owns all state on one thread.
#pragma once

#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/ids.h"
#include "domain/result.h"

namespace eventmart {

inline constexpr std::size_t kMaxNameLength = 100;

// Who a bearer token speaks for: its issuer and subject (`iss`, `sub`).
// A user is bound to one at sign-up, and one is bound to one user at most.
struct Subject {
  std::string issuer;
  std::string subject;
  bool operator==(const Subject&) const = default;
};

// The user a subject is bound to.
struct BoundUser {
  UserId user_id = 0;
  std::string name;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("name", s.name);
  }
  friend bool operator==(const BoundUser&, const BoundUser&) = default;
};

// A signed-up user (stream user-N). Decisions only ask whether one exists,
// so nothing else is kept.
struct UserState {
  using Stream = UserStream;

  template <class Self, class V>
  static void Fields(Self&, V&&) {}
  friend bool operator==(const UserState&, const UserState&) = default;
};

// A user's points (stream account-N).
struct AccountState {
  using Stream = AccountStream;
  Money balance = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("balance", s.balance);
  }
  friend bool operator==(const AccountState&, const AccountState&) = default;
};

// Registers a user under the id the caller allocated. Rejects empty names
// and names over kMaxNameLength bytes with kInvalidRequest.
// `subject`, when given, is bound to the new user.
[[nodiscard]] Result<UserRegistered> DecideRegisterUser(UserId new_id, std::string_view name,
                                                        const Subject* subject = nullptr);

// Charges `amount` (>= 1) as long as the balance stays <= max_balance.
[[nodiscard]] Result<PointsCharged> DecideCharge(const AccountState& account, UserId user_id,
                                                 Money amount, Money max_balance);

// Folds: no rules here, only what happened.
void Evolve(UserState& user, const UserRegistered& event);
void Evolve(AccountState& account, const PointsCharged& event);
void Evolve(AccountState& account, const PointsSpent& event);

}  // namespace eventmart
