#include "eventstore/codec.h"

#include <cereal/archives/portable_binary.hpp>

#include <istream>
#include <ostream>
#include <streambuf>
#include <type_traits>
#include <vector>

#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

template <class T>
concept HasFields = requires(T& t) { T::Fields(t, [](std::string_view, auto&, std::uint32_t = 1) {}); };

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// A streambuf that appends to a std::string (cereal writes to ostreams).
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

// A read-only streambuf over bytes we do not own.
class MemorySource : public std::streambuf {
 public:
  explicit MemorySource(std::string_view in) {
    char* p = const_cast<char*>(in.data());
    setg(p, p, p + in.size());
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

struct CorruptBody {
  const char* what;
};

class BodyWriter {
 public:
  explicit BodyWriter(cereal::PortableBinaryOutputArchive& ar) : ar_(ar) {}

  template <class T>
  void operator()(std::string_view, const T& field, std::uint32_t /*since*/ = 1) {
    Write(field);
  }

 private:
  template <class T>
  void Write(const T& v) {
    if constexpr (HasFields<T>) {
      T::Fields(v, *this);
    } else if constexpr (IsVector<T>::value) {
      ar_(cereal::make_size_tag(static_cast<cereal::size_type>(v.size())));
      for (const auto& item : v) Write(item);
    } else if constexpr (std::is_same_v<T, std::string>) {
      ar_(cereal::make_size_tag(static_cast<cereal::size_type>(v.size())));
      if (!v.empty()) ar_(cereal::binary_data(v.data(), v.size()));
    } else {
      ar_(v);
    }
  }

  cereal::PortableBinaryOutputArchive& ar_;
};

class BodyReader {
 public:
  BodyReader(cereal::PortableBinaryInputArchive& ar, const MemorySource& source,
             std::uint32_t schema_version)
      : ar_(ar), source_(source), schema_version_(schema_version) {}

  template <class T>
  void operator()(std::string_view, T& field, std::uint32_t since = 1) {
    if (since <= schema_version_) Read(field);  // newer fields keep their defaults
  }

 private:
  template <class T>
  void Read(T& v) {
    if constexpr (HasFields<T>) {
      T::Fields(v, *this);
    } else if constexpr (IsVector<T>::value) {
      v.resize(ReadSize());
      for (auto& item : v) Read(item);
    } else if constexpr (std::is_same_v<T, std::string>) {
      v.resize(ReadSize());
      if (!v.empty()) ar_(cereal::binary_data(v.data(), v.size()));
    } else {
      if (source_.remaining() < sizeof(T)) throw CorruptBody{"truncated field"};
      ar_(v);
    }
  }

  std::size_t ReadSize() {
    cereal::size_type n = 0;
    if (source_.remaining() < sizeof(n)) throw CorruptBody{"truncated length"};
    ar_(cereal::make_size_tag(n));
    // Every element takes at least one byte: a longer length is corrupt, and
    // refusing it here avoids allocating whatever a broken length claims.
    if (n > source_.remaining()) throw CorruptBody{"length past the end"};
    return static_cast<std::size_t>(n);
  }

  cereal::PortableBinaryInputArchive& ar_;
  const MemorySource& source_;
  std::uint32_t schema_version_;
};

template <class E>
Result<DomainEvent> DecodeAs(std::uint32_t schema_version, std::string_view body) {
  if (schema_version == 0 || schema_version > E::kVersion) {
    return Fail(StoreErrc::kUnsupportedVersion,
                std::string(E::kType) + " v" + std::to_string(schema_version));
  }
  MemorySource source(body);
  std::istream in(&source);
  E event;
  try {
    cereal::PortableBinaryInputArchive ar(in);
    BodyReader reader(ar, source, schema_version);
    E::Fields(event, reader);
  } catch (const CorruptBody& e) {
    return Fail(StoreErrc::kCorruption, std::string(E::kType) + ": " + e.what);
  } catch (const std::exception& e) {
    return Fail(StoreErrc::kCorruption, std::string(E::kType) + ": " + e.what());
  }
  if (source.remaining() != 0) {
    return Fail(StoreErrc::kCorruption, std::string(E::kType) + ": trailing bytes");
  }
  return DomainEvent(std::move(event));
}

template <std::size_t I = 0>
Result<DomainEvent> Dispatch(std::string_view type, std::uint32_t schema_version,
                             std::string_view body) {
  if constexpr (I == std::variant_size_v<DomainEvent>) {
    return Fail(StoreErrc::kUnknownEventType, std::string(type));
  } else {
    using E = std::variant_alternative_t<I, DomainEvent>;
    if (type == E::kType) return DecodeAs<E>(schema_version, body);
    return Dispatch<I + 1>(type, schema_version, body);
  }
}

}  // namespace

std::string_view TypeOf(const DomainEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

EventRecord EncodeEvent(const DomainEvent& event, EventMeta meta) {
  EventRecord record;
  record.id = meta.id;
  record.occurred_at_ms = meta.occurred_at_ms;
  record.correlation_id = std::move(meta.correlation_id);
  record.causation_id = std::move(meta.causation_id);
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        record.type = std::string(E::kType);
        record.schema_version = E::kVersion;
        StringSink sink(&record.body);
        std::ostream out(&sink);
        cereal::PortableBinaryOutputArchive ar(out);
        BodyWriter writer(ar);
        E::Fields(e, writer);
      },
      event);
  return record;
}

Result<DomainEvent> DecodeEvent(std::string_view type, std::uint32_t schema_version,
                                std::string_view body) {
  return Dispatch(type, schema_version, body);
}

}  // namespace eventmart
