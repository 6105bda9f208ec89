#include "eventstore/event_json.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <type_traits>
#include <vector>

#include "domain/fields.h"
#include "domain/time_format.h"

namespace eventmart {
namespace {

template <class T>
nlohmann::json ToJson(const T& value);

struct JsonWriter {
  nlohmann::json* out;
  template <class T>
  void operator()(std::string_view name, const T& field, std::uint32_t /*since*/ = 1) {
    (*out)[std::string(name)] = ToJson(field);
  }
};

template <class T>
nlohmann::json ToJson(const T& value) {
  if constexpr (HasFields<T>) {
    nlohmann::json object = nlohmann::json::object();
    T::Fields(value, JsonWriter{&object});
    return object;
  } else if constexpr (requires { value.begin(); value.size(); } && !std::is_same_v<T, std::string>) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& item : value) array.push_back(ToJson(item));
    return array;
  } else {
    return nlohmann::json(value);
  }
}

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

nlohmann::json EventDataJson(const DomainEvent& event) {
  return std::visit([](const auto& e) { return ToJson(e); }, event);
}

nlohmann::json EventEnvelopeJson(const RecordedEventView& view, const DomainEvent& event) {
  nlohmann::json j = nlohmann::json::object();
  j["eventId"] = FormatEventId(view.id);
  j["stream"] = std::string(view.stream);
  j["version"] = view.version;
  j["position"] = view.position;
  j["type"] = std::string(view.type);
  j["occurredAt"] = FormatTime(view.occurred_at_ms);
  if (!view.correlation_id.empty()) j["correlationId"] = std::string(view.correlation_id);
  if (!view.causation_id.empty()) j["causationId"] = std::string(view.causation_id);
  j["data"] = EventDataJson(event);
  return j;
}

}  // namespace eventmart
