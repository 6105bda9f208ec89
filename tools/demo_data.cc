#include "tools/demo_data.h"

#include <future>

namespace eventmart::cli {

Result<Reply> SubmitAndWait(CommandProcessor& processor, Command command) {
  std::promise<Result<Reply>> promise;
  auto future = promise.get_future();
  processor.Submit(std::move(command), std::nullopt, nullptr,
                   [&promise](Outcome outcome) { promise.set_value(std::move(outcome.reply)); });
  return future.get();
}

Result<void> SeedDemoData(CommandProcessor& processor) {
  struct DemoUser {
    const char* name;
    Money points;
  };
  const DemoUser users[] = {{"kim", 50'000}, {"lee", 120'000}, {"park", 0}, {"choi", 1'000'000}};
  for (const auto& user : users) {
    auto registered = SubmitAndWait(processor, RegisterUser{user.name});
    if (!registered) return Fail(registered.error());
    if (user.points == 0) continue;
    auto id = std::get<UserReply>(*registered).user_id;
    auto charged = SubmitAndWait(processor, ChargePoints{.user_id = id, .amount = user.points});
    if (!charged) return Fail(charged.error());
  }
  return {};
}

}  // namespace eventmart::cli
