#include "api/api_errors.h"

#include <string>

namespace eventmart {
namespace {

class ApiCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "eventmart.api"; }
  std::string message(int value) const override {
    switch (static_cast<ApiErrc>(value)) {
      case ApiErrc::kInvalidRequest: return "invalid request";
    }
    return "unknown request error";
  }
};

}  // namespace

const std::error_category& ApiCategory() {
  static const ApiCategoryImpl category;
  return category;
}

}  // namespace eventmart
