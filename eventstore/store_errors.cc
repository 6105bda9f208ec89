#include "eventstore/store_errors.h"

#include <string>

namespace eventmart {
namespace {

class StoreCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "eventmart.store"; }
  std::string message(int value) const override {
    switch (static_cast<StoreErrc>(value)) {
      case StoreErrc::kVersionConflict: return "stream version conflict";
      case StoreErrc::kCorruption: return "corrupt event record";
      case StoreErrc::kUnknownEventType: return "unknown event type";
      case StoreErrc::kUnsupportedVersion: return "unsupported event schema version";
      case StoreErrc::kIoError: return "event log I/O error";
      case StoreErrc::kStoreFailed: return "event log failed earlier; reopen it";
      case StoreErrc::kClosed: return "event log is closed";
      case StoreErrc::kInvalidArgument: return "invalid argument";
      case StoreErrc::kBusy: return "event log is in use by another process";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& StoreCategory() {
  static const StoreCategoryImpl category;
  return category;
}

}  // namespace eventmart
