// tests/support/event_filler.h
// Gives every field of a Fields() type (an event, a record) a distinct,
// non-default value -- strings with quotes, escapes and non-ASCII -- so a
// round trip that drops or mixes up a field, or code that takes an event
// for "empty", shows up in a test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "domain/fields.h"

namespace eventmart::testing {

struct Filler {
  std::int64_t next = 7;

  template <class T>
  void operator()(std::string_view, T& field, std::uint32_t = 1) {
    Fill(field);
  }

  template <class T>
  void Fill(T& v) {
    if constexpr (HasFields<T>) {
      T::Fields(v, *this);
    } else if constexpr (IsVector<T>::value) {
      v.resize(2);
      for (auto& item : v) Fill(item);
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = "n\"a\\me\n\xed\x95\x9c " + std::to_string(next++);
    } else {
      v = static_cast<T>(next++ * 1000003);
    }
  }
};

}  // namespace eventmart::testing
