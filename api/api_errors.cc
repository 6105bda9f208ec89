#include "api/api_errors.h"

#include <string>

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& ApiCategory() {
  static const CodeCategory<ApiErrc> category("eventmart.api", {
      {ApiErrc::kInvalidRequest, "invalid request"}});
  return category;
}

}  // namespace eventmart
