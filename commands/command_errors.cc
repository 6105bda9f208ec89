#include "commands/command_errors.h"

#include <string>

namespace eventmart {
namespace {

class CommandCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "eventmart.command"; }
  std::string message(int value) const override {
    switch (static_cast<CommandErrc>(value)) {
      case CommandErrc::kRequestInProgress: return "a request with this idempotency key is in progress";
      case CommandErrc::kIdempotencyKeyReused: return "idempotency key reused with a different request";
      case CommandErrc::kStoreUnavailable: return "the event log is unavailable";
      case CommandErrc::kOverloaded: return "too many commands waiting";
    }
    return "unknown command error";
  }
};

}  // namespace

const std::error_category& CommandCategory() {
  static const CommandCategoryImpl category;
  return category;
}

}  // namespace eventmart
