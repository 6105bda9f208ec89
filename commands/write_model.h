// commands/write_model.h
// The current state of every aggregate, held in memory and rebuilt by
// folding the log at start. Only the command processor's thread touches it.
// Each entry remembers its stream version, which becomes the expected
// version of the next append to that stream.
#pragma once

#include <unordered_map>

#include "domain/account.h"
#include "domain/events.h"
#include "eventstore/event_store.h"

namespace eventmart {

struct UserEntry {
  StreamVersion version = 0;
};

struct AccountEntry {
  AccountState state;
  StreamVersion version = 0;
};

class WriteModel {
 public:
  // Folds one event recorded at `version` of its stream.
  void Apply(const DomainEvent& event, StreamVersion version);

  // The version of `stream`'s next event's predecessor (0 = new stream).
  StreamVersion VersionOf(const DomainEvent& event) const;

  bool HasUser(UserId id) const { return users_.contains(id); }
  const AccountEntry* FindAccount(UserId id) const;
  UserId NextUserId() const { return max_user_id_ + 1; }

 private:
  std::unordered_map<UserId, UserEntry> users_;
  std::unordered_map<UserId, AccountEntry> accounts_;
  UserId max_user_id_ = 0;
};

}  // namespace eventmart
