// domain/fields.h
// Types that list their fields once, as
//   template <class Self, class V> static void Fields(Self& s, V&& v) {
//     v("jsonName", s.member);            // since schema version 1
//     v("added", s.added_member, 2);      // since schema version 2
//   }
// Codecs (binary, JSON) walk the list; nothing here does I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace eventmart {

template <class T>
concept HasFields = requires(T& t) { T::Fields(t, [](std::string_view, auto&, std::uint32_t = 1) {}); };

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// Maps are written as their size and then key, value, key, value...
template <class T>
struct IsMap : std::false_type {};
template <class K, class V>
struct IsMap<std::map<K, V>> : std::true_type {};
template <class K, class V>
struct IsMap<std::unordered_map<K, V>> : std::true_type {};
template <class K, class V>
struct IsMap<absl::flat_hash_map<K, V>> : std::true_type {};

}  // namespace eventmart
