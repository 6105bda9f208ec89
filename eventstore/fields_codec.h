// eventstore/fields_codec.h
// Binary encoding of any type with a Fields() list (domain/fields.h):
// cereal portable binary, field by field. Used for event bodies and for
// read-model records. Decoding bounds-checks every length against the
// bytes that are left, so corrupt input fails with kCorruption and never
// allocates what a broken length claims.
#pragma once

#include <cereal/archives/portable_binary.hpp>

#include <bit>
#include <cstring>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "domain/fields.h"
#include "domain/ids.h"
#include "domain/result.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace fields_internal {

class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_->push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string* out_;
};

class MemorySource : public std::streambuf {
 public:
  explicit MemorySource(std::string_view in) {
    char* p = const_cast<char*>(in.data());
    setg(p, p, p + in.size());
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }

  // Whether the numbers of the portable binary archive these bytes hold are
  // in this machine's byte order: its first byte says whether they are
  // little-endian (cereal writes the writer's own order).
  bool InNativeOrder() const {
    constexpr char kNative = std::endian::native == std::endian::little ? 1 : 0;
    return egptr() > eback() && *eback() == kNative;
  }
  // Copies the next `n` bytes (at most remaining()) into `out`.
  void Take(void* out, std::size_t n) {
    std::memcpy(out, gptr(), n);
    gbump(static_cast<int>(n));
  }
};

struct Corrupt {
  const char* what;
};

class Writer {
 public:
  explicit Writer(cereal::PortableBinaryOutputArchive& ar) : ar_(ar) {}

  template <class T>
  void operator()(std::string_view, const T& field, std::uint32_t /*since*/ = 1) {
    Write(field);
  }

  template <class T>
  void Write(const T& v) {
    if constexpr (HasFields<T>) {
      T::Fields(v, *this);
    } else if constexpr (IsVector<T>::value) {
      ar_(cereal::make_size_tag(static_cast<cereal::size_type>(v.size())));
      for (const auto& item : v) Write(item);
    } else if constexpr (IsMap<T>::value) {
      ar_(cereal::make_size_tag(static_cast<cereal::size_type>(v.size())));
      for (const auto& [key, value] : v) {
        Write(key);
        Write(value);
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      ar_(cereal::make_size_tag(static_cast<cereal::size_type>(v.size())));
      if (!v.empty()) ar_(cereal::binary_data(v.data(), v.size()));
    } else if constexpr (IsStrongId<T>::value) {
      ar_(v.value());
    } else if constexpr (std::is_enum_v<T>) {
      Write(std::string(NameOf(v)));  // by name: the stored bytes do not depend on the enum's numbering
    } else {
      ar_(v);
    }
  }

 private:
  cereal::PortableBinaryOutputArchive& ar_;
};

class Reader {
 public:
  // `ar` reads from `source`, from its first byte.
  Reader(cereal::PortableBinaryInputArchive& ar, MemorySource& source, std::uint32_t version)
      : ar_(ar), source_(source), version_(version), native_order_(source.InNativeOrder()) {}

  template <class T>
  void operator()(std::string_view, T& field, std::uint32_t since = 1) {
    if (since <= version_) Read(field);  // newer fields keep their defaults
  }

  template <class T>
  void Read(T& v) {
    if constexpr (HasFields<T>) {
      T::Fields(v, *this);
    } else if constexpr (IsVector<T>::value) {
      v.resize(ReadSize());
      for (auto& item : v) Read(item);
    } else if constexpr (IsMap<T>::value) {
      v.clear();
      std::size_t n = ReadSize();
      if constexpr (requires { v.reserve(n); }) v.reserve(n);  // ReadSize checked n against the bytes left
      for (; n > 0; --n) {
        typename T::key_type key{};
        typename T::mapped_type value{};
        Read(key);
        Read(value);
        v.insert_or_assign(std::move(key), std::move(value));
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      v.resize(ReadSize());
      if (!v.empty()) ar_(cereal::binary_data(v.data(), v.size()));
    } else if constexpr (IsStrongId<T>::value) {
      std::int64_t number = 0;
      Read(number);
      v = number;
    } else if constexpr (std::is_enum_v<T>) {
      std::string name;
      Read(name);
      auto parsed = ParseNamed(name, static_cast<const T*>(nullptr));
      if (!parsed) throw Corrupt{"unknown name of an enumerated field"};
      v = *parsed;
    } else {
      if (source_.remaining() < sizeof(T)) throw Corrupt{"truncated field"};
      ReadNumber(v);
    }
  }

 private:
  // What cereal's archive does for a number, without its stream when no
  // byte needs swapping: the bytes as they are. Decoding a snapshot spent
  // more than a third of its time in the stream's calls.
  template <class T>
  void ReadNumber(T& v) {
    static_assert(std::is_arithmetic_v<T>);
    if (native_order_) {
      source_.Take(&v, sizeof(T));
    } else {
      ar_(v);
    }
  }

  std::size_t ReadSize() {
    cereal::size_type n = 0;
    if (source_.remaining() < sizeof(n)) throw Corrupt{"truncated length"};
    ReadNumber(n);
    // Every element takes at least one byte, so a longer length is corrupt.
    if (n > source_.remaining()) throw Corrupt{"length past the end"};
    return static_cast<std::size_t>(n);
  }

  cereal::PortableBinaryInputArchive& ar_;
  MemorySource& source_;
  std::uint32_t version_;
  bool native_order_;
};

}  // namespace fields_internal

// cereal archives need a stream; making one per value (locale and all)
// cost more than the encoding itself, so each thread keeps one of each and
// points it at the value's buffer. Neither is used reentrantly.
inline std::ostream& ThreadOutputStream(std::streambuf* sink) {
  thread_local std::ostream stream(nullptr);
  stream.rdbuf(sink);  // also clears the state
  return stream;
}
inline std::istream& ThreadInputStream(std::streambuf* source) {
  thread_local std::istream stream(nullptr);
  stream.rdbuf(source);
  return stream;
}

template <HasFields T>
void EncodeFields(const T& value, std::string* out) {
  fields_internal::StringSink sink(out);
  std::ostream& stream = ThreadOutputStream(&sink);
  cereal::PortableBinaryOutputArchive ar(stream);
  fields_internal::Writer writer(ar);
  writer.Write(value);
}

template <HasFields T>
std::string EncodeFields(const T& value) {
  std::string out;
  EncodeFields(value, &out);
  return out;
}

// Decodes bytes written at schema `version` (fields added later keep their defaults).
template <HasFields T>
Result<T> DecodeFields(std::string_view bytes, std::uint32_t version = ~std::uint32_t{0}) {
  fields_internal::MemorySource source(bytes);
  std::istream& stream = ThreadInputStream(&source);
  T value{};
  try {
    cereal::PortableBinaryInputArchive ar(stream);
    fields_internal::Reader reader(ar, source, version);
    reader.Read(value);
  } catch (const fields_internal::Corrupt& e) {
    return Fail(StoreErrc::kCorruption, e.what);
  } catch (const std::exception& e) {
    return Fail(StoreErrc::kCorruption, e.what());
  }
  if (source.remaining() != 0) return Fail(StoreErrc::kCorruption, "trailing bytes");
  return value;
}

}  // namespace eventmart
