#include "eventstore/scan_events.h"

#include <string>

namespace eventmart {

Error UndecodableEvent(const RecordedEventView& view, const Error& cause) {
  std::string detail = "position " + std::to_string(view.position) + " (stream " + std::string(view.stream) + ")";
  if (!cause.detail.empty()) detail += ": " + cause.detail;
  return Error{cause.code, std::move(detail)};
}

}  // namespace eventmart
