#include "domain/events.h"

namespace eventmart {

std::string_view DiscountTypeName(DiscountType type) { return type == DiscountType::kFixed ? "FIXED" : "RATE"; }

std::optional<DiscountType> ParseDiscountType(std::string_view name) {
  if (name == "FIXED") return DiscountType::kFixed;
  if (name == "RATE") return DiscountType::kRate;
  return std::nullopt;
}

std::string StreamOf(const DomainEvent& event) {
  return std::visit([](const auto& e) { return StreamOf(e); }, event);
}

}  // namespace eventmart
