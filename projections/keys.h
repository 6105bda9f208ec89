// projections/keys.h
// Read-model keys: a one-letter tag and big-endian ids, so RocksDB's byte
// order is numeric order (range scans page by id).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/envelope.h"

namespace eventmart::keys {

inline std::string Tagged(char tag, std::int64_t id) {
  std::string key(1, tag);
  PutFixed64BE(&key, static_cast<std::uint64_t>(id));
  return key;
}

inline std::string Tagged(char tag, std::int64_t a, std::int64_t b) {
  std::string key = Tagged(tag, a);
  PutFixed64BE(&key, static_cast<std::uint64_t>(b));
  return key;
}

// The id at byte `offset` of a key.
inline std::int64_t IdAt(std::string_view key, std::size_t offset) {
  return static_cast<std::int64_t>(DecodeFixed64BE(key.data() + offset));
}

}  // namespace eventmart::keys
