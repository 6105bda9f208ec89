#include "eventstore/event_json.h"

#include <nlohmann/json.hpp>
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

}  // namespace

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
