// domain/fields.h
// Types that list their fields once, as
//   template <class Self, class V> static void Fields(Self& s, V&& v) {
//     v("jsonName", s.member);            // since schema version 1
//     v("added", s.added_member, 2);      // since schema version 2
//   }
// Codecs (binary, JSON) walk the list; nothing here does I/O.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

namespace eventmart {

template <class T>
concept HasFields = requires(T& t) { T::Fields(t, [](std::string_view, auto&, std::uint32_t = 1) {}); };

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

}  // namespace eventmart
