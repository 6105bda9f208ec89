#include "commands/command_errors.h"

#include <string>

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& CommandCategory() {
  static const CodeCategory<CommandErrc> category("eventmart.command", {
      {CommandErrc::kRequestInProgress, "a request with this idempotency key is in progress"},
      {CommandErrc::kIdempotencyKeyReused, "idempotency key reused with a different request"},
      {CommandErrc::kStoreUnavailable, "the event log is unavailable"},
      {CommandErrc::kOverloaded, "too many commands waiting"},
      {CommandErrc::kNotReady, "the state is still loading"}});
  return category;
}

}  // namespace eventmart
