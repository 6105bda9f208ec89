#include "eventstore/store_errors.h"

#include <string>

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& StoreCategory() {
  static const CodeCategory<StoreErrc> category("eventmart.store", {
      {StoreErrc::kVersionConflict, "stream version conflict"},
      {StoreErrc::kCorruption, "corrupt event record"},
      {StoreErrc::kUnknownEventType, "unknown event type"},
      {StoreErrc::kUnsupportedVersion, "unsupported event schema version"},
      {StoreErrc::kIoError, "event log I/O error"},
      {StoreErrc::kStoreFailed, "event log failed earlier; reopen it"},
      {StoreErrc::kClosed, "event log is closed"},
      {StoreErrc::kInvalidArgument, "invalid argument"},
      {StoreErrc::kBusy, "event log is in use by another process"},
      {StoreErrc::kNotLeader, "not the cluster leader: nothing was written"},
      {StoreErrc::kOutOfSequence, "replicated batch out of sequence"}});
  return category;
}

}  // namespace eventmart
