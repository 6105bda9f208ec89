#include "eventstore/event_json.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <utility>
#include <type_traits>
#include <vector>

#include "domain/fields.h"
#include "domain/time_format.h"
#include "eventstore/codec.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

// Writes JSON straight into a string, walking Fields() like the codec does.
class JsonAppender {
 public:
  explicit JsonAppender(std::string* out) : out_(out) {}

  template <class T>
  void operator()(std::string_view name, const T& field, std::uint32_t /*since*/ = 1) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(name, out_);
    out_->push_back(':');
    Value(field);
  }

  template <class T>
  void Value(const T& v) {
    if constexpr (HasFields<T>) {
      out_->push_back('{');
      JsonAppender inner(out_);
      T::Fields(v, inner);
      out_->push_back('}');
    } else if constexpr (IsVector<T>::value) {
      out_->push_back('[');
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out_->push_back(',');
        Value(v[i]);
      }
      out_->push_back(']');
    } else if constexpr (std::is_same_v<T, std::string>) {
      AppendJsonString(v, out_);
    } else if constexpr (std::is_same_v<T, bool>) {
      out_->append(v ? "true" : "false");
    } else if constexpr (IsStrongId<T>::value) {
      Value(v.value());
    } else if constexpr (std::is_enum_v<T>) {
      AppendJsonString(NameOf(v), out_);
    } else {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
      out_->append(buf, end);
    }
  }

 private:
  std::string* out_;
  bool first_ = true;
};

// Reads a Fields() type back from JSON. Every listed field must be present
// with its JSON type; numbers must fit the member. Stops at the first fault.
class JsonReader {
 public:
  explicit JsonReader(const nlohmann::json& object) : object_(object) {}

  template <class T>
  void operator()(std::string_view name, T& field, std::uint32_t since = 1) {
    if (!error_.empty()) return;
    auto it = object_.find(std::string(name));
    if (it == object_.end()) {
      // A field added by a later schema version is absent from lines an
      // older build wrote; it keeps its default, as in the binary codec.
      if (since == 1) error_ = "missing field '" + std::string(name) + "'";
      return;
    }
    if (!Read(*it, field)) error_ = "field '" + std::string(name) + "' " + (error_.empty() ? "has the wrong type" : error_);
  }

  const std::string& error() const { return error_; }

  template <class T>
  bool Read(const nlohmann::json& j, T& v) {
    if constexpr (HasFields<T>) {
      if (!j.is_object()) return false;
      JsonReader inner(j);
      T::Fields(v, inner);
      error_ = inner.error();
      return error_.empty();
    } else if constexpr (IsVector<T>::value) {
      if (!j.is_array()) return false;
      v.resize(j.size());
      for (std::size_t i = 0; i < j.size(); ++i) {
        if (!Read(j[i], v[i])) return false;
      }
      return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!j.is_string()) return false;
      v = j.get<std::string>();
      return true;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) return false;
      v = j.get<bool>();
      return true;
    } else if constexpr (IsStrongId<T>::value) {
      std::int64_t number = 0;
      if (!Read(j, number)) return false;
      v = number;
      return true;
    } else if constexpr (std::is_enum_v<T>) {
      if (!j.is_string()) return false;
      auto parsed = ParseNamed(j.get<std::string>(), static_cast<const T*>(nullptr));
      if (!parsed) return false;
      v = *parsed;
      return true;
    } else {
      static_assert(std::is_integral_v<T>);
      if (j.is_number_unsigned()) {
        auto u = j.get<std::uint64_t>();
        if (!std::in_range<T>(u)) return false;
        v = static_cast<T>(u);
        return true;
      }
      if (!j.is_number_integer()) return false;
      auto i = j.get<std::int64_t>();
      if (!std::in_range<T>(i)) return false;
      v = static_cast<T>(i);
      return true;
    }
  }

 private:
  const nlohmann::json& object_;
  std::string error_;
};

template <std::size_t I = 0>
Result<DomainEvent> EventFromJson(std::string_view type, const nlohmann::json& data) {
  if constexpr (I == std::variant_size_v<DomainEvent>) {
    return Fail(StoreErrc::kUnknownEventType, std::string(type));
  } else {
    using E = std::variant_alternative_t<I, DomainEvent>;
    if (type != E::kType) return EventFromJson<I + 1>(type, data);
    E event;
    JsonReader reader(data);
    if (!reader.Read(data, event)) {
      return Fail(StoreErrc::kCorruption, std::string(type) + " data: " +
                                              (reader.error().empty() ? "not an object" : reader.error()));
    }
    return DomainEvent(std::move(event));
  }
}

std::optional<std::string> OptionalString(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

template <class T>
void AppendNumber(T v, std::string* out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  std::size_t run = 0;  // start of the pending run of plain characters
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

void AppendEventDataJson(const DomainEvent& event, std::string* out) {
  std::visit([out](const auto& e) { JsonAppender(out).Value(e); }, event);
}

void AppendEventJson(const RecordedEventView& view, const DomainEvent& event, std::string* out) {
  out->append("{\"eventId\":\"");
  AppendEventId(view.id, out);
  out->append("\",\"stream\":");
  AppendJsonString(view.stream, out);
  out->append(",\"version\":");
  AppendNumber(view.version, out);
  out->append(",\"position\":");
  AppendNumber(view.position, out);
  out->append(",\"type\":");
  AppendJsonString(view.type, out);
  out->append(",\"occurredAt\":\"");
  AppendTime(view.occurred_at_ms, out);
  out->push_back('"');
  if (!view.correlation_id.empty()) {
    out->append(",\"correlationId\":");
    AppendJsonString(view.correlation_id, out);
  }
  if (!view.causation_id.empty()) {
    out->append(",\"causationId\":");
    AppendJsonString(view.causation_id, out);
  }
  out->append(",\"data\":");
  AppendEventDataJson(event, out);
  out->push_back('}');
}

std::optional<EventId> ParseEventId(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  EventId id{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    char c = text[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    id[n / 2] = static_cast<std::uint8_t>(id[n / 2] | (n % 2 == 0 ? v << 4 : v));
    ++n;
  }
  return id;
}

Result<RecordedEvent> ParseEventJson(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(StoreErrc::kCorruption, "not a JSON object");
  auto field = [&j](const char* name, bool (nlohmann::json::*is)() const noexcept) -> const nlohmann::json* {
    auto it = j.find(name);
    return it != j.end() && ((*it).*is)() ? &*it : nullptr;
  };
  const auto* id = field("eventId", &nlohmann::json::is_string);
  const auto* stream = field("stream", &nlohmann::json::is_string);
  const auto* version = field("version", &nlohmann::json::is_number_unsigned);
  const auto* position = field("position", &nlohmann::json::is_number_unsigned);
  const auto* type = field("type", &nlohmann::json::is_string);
  const auto* occurred = field("occurredAt", &nlohmann::json::is_string);
  const auto* data = field("data", &nlohmann::json::is_object);
  if (!id || !stream || !version || !position || !type || !occurred || !data) {
    return Fail(StoreErrc::kCorruption, "an envelope field is missing or has the wrong type");
  }
  RecordedEvent out;
  auto event_id = ParseEventId(id->get_ref<const std::string&>());
  auto at = ParseTime(occurred->get_ref<const std::string&>());
  auto correlation = OptionalString(j, "correlationId");
  auto causation = OptionalString(j, "causationId");
  if (!event_id || !at || !correlation || !causation) {
    return Fail(StoreErrc::kCorruption, "bad eventId, occurredAt, correlationId or causationId");
  }
  out.stream = stream->get<std::string>();
  out.version = version->get<std::uint64_t>();
  out.position = position->get<std::uint64_t>();
  if (out.stream.empty() || out.version == 0 || out.position == 0) {
    return Fail(StoreErrc::kCorruption, "empty stream, or version or position 0");
  }
  auto event = EventFromJson(type->get_ref<const std::string&>(), *data);
  if (!event) return Fail(event.error());
  out.record = EncodeEvent(*event, {.id = *event_id, .occurred_at_ms = *at,
                                    .correlation_id = std::move(*correlation),
                                    .causation_id = std::move(*causation)});
  return out;
}

}  // namespace eventmart
