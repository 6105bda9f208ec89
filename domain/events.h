// domain/events.h
// Every domain event: past tense, a stable type name and a schema version.
//
// Each event lists its fields once, in Fields(), as (json name, member).
// The binary codec (cereal, eventstore/codec.cc) and the JSON form
// (eventstore/event_json.cc) both walk that list, so the two can't drift.
// Never reorder or remove fields; a new field is appended with the schema
// version that introduced it, and older bytes decode with its default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "domain/ids.h"

namespace eventmart {

struct UserRegistered {
  static constexpr std::string_view kType = "user.UserRegistered";
  static constexpr std::uint32_t kVersion = 1;
  UserId user_id = 0;
  std::string name;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("name", s.name);
  }
};

struct PointsCharged {
  static constexpr std::string_view kType = "account.PointsCharged";
  static constexpr std::uint32_t kVersion = 1;
  UserId user_id = 0;
  Money amount = 0;
  Money balance_after = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("amount", s.amount);
    v("balanceAfter", s.balance_after);
  }
};

using DomainEvent = std::variant<UserRegistered, PointsCharged>;

// The stream an event belongs to.
std::string StreamOf(const DomainEvent& event);

}  // namespace eventmart
