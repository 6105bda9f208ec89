#include "domain/events.h"

namespace eventmart {

std::string StreamOf(const DomainEvent& event) {
  struct Visitor {
    std::string operator()(const UserRegistered& e) const { return StreamName("user", e.user_id); }
    std::string operator()(const PointsCharged& e) const { return StreamName("account", e.user_id); }
  };
  return std::visit(Visitor{}, event);
}

}  // namespace eventmart
