// eventstore/coding.h
// Varints and length-prefixed byte strings (LevelDB's util/coding.h, trimmed).
// Decoding never reads past the end of its input.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace eventmart::coding {

inline void PutVarint(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutBytes(std::string* out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out->append(bytes);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool Varint(std::uint64_t* v) {
    std::uint64_t result = 0;
    for (int shift = 0; shift <= 63 && !in_.empty(); shift += 7) {
      auto byte = static_cast<std::uint8_t>(in_.front());
      in_.remove_prefix(1);
      result |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool Bytes(std::string_view* out) {
    std::uint64_t n = 0;
    if (!Varint(&n) || n > in_.size()) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Raw(void* out, std::size_t n) {
    if (n > in_.size()) return false;
    std::memcpy(out, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool empty() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace eventmart::coding
