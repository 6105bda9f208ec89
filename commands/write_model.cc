#include "commands/write_model.h"

#include <algorithm>

namespace eventmart {

void WriteModel::Apply(const DomainEvent& event, StreamVersion version) {
  struct Visitor {
    WriteModel& m;
    StreamVersion version;
    void operator()(const UserRegistered& e) {
      m.users_[e.user_id].version = version;
      m.max_user_id_ = std::max(m.max_user_id_, e.user_id);
    }
    void operator()(const PointsCharged& e) {
      auto& account = m.accounts_[e.user_id];
      eventmart::Apply(account.state, e);
      account.version = version;
    }
  };
  std::visit(Visitor{*this, version}, event);
}

StreamVersion WriteModel::VersionOf(const DomainEvent& event) const {
  struct Visitor {
    const WriteModel& m;
    StreamVersion operator()(const UserRegistered& e) const {
      auto it = m.users_.find(e.user_id);
      return it == m.users_.end() ? 0 : it->second.version;
    }
    StreamVersion operator()(const PointsCharged& e) const {
      auto it = m.accounts_.find(e.user_id);
      return it == m.accounts_.end() ? 0 : it->second.version;
    }
  };
  return std::visit(Visitor{*this}, event);
}

const AccountEntry* WriteModel::FindAccount(UserId id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

}  // namespace eventmart
