// domain/error_category.h
// One std::error_category per enum of error codes (as Beast registers
// http::error): each module names its category and says what each code
// means; the rest is written once, here. Use:
//
//   const std::error_category& CommandCategory() {
//     static const CodeCategory<CommandErrc> category(
//         "eventmart.command", {{CommandErrc::kOverloaded, "too many commands waiting"}, ...});
//     return category;
//   }
#pragma once

#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace eventmart {

template <class Errc>
class CodeCategory final : public std::error_category {
 public:
  CodeCategory(const char* name, std::initializer_list<std::pair<Errc, const char*>> messages)
      : name_(name), messages_(messages) {}

  const char* name() const noexcept override { return name_; }

  std::string message(int value) const override {
    for (const auto& [code, text] : messages_) {
      if (static_cast<int>(code) == value) return text;
    }
    return std::string("unknown ") + name_ + " error " + std::to_string(value);
  }

 private:
  const char* name_;
  std::vector<std::pair<Errc, const char*>> messages_;
};

}  // namespace eventmart
