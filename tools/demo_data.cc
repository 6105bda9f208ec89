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

namespace {

Result<void> SeedUsers(CommandProcessor& processor) {
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

Result<void> SeedCatalog(CommandProcessor& processor) {
  const NewProduct products[] = {
      {"Basic T-shirt", {{"S", 19'000, 50}, {"M", 19'000, 80}, {"L", 21'000, 0}}},
      {"Wireless Earbuds", {{"default", 89'000, 30}}},
      {"Coffee Beans 1kg", {{"Ethiopia Yirgacheffe", 32'000, 20}, {"Colombia Supremo", 28'000, 25}}},
      {"Limited Sneakers", {{"250", 159'000, 0}, {"260", 159'000, 0}}},
      {"Notebook A5", {{"default", 3'500, 500}}},
      {"Desk Lamp", {{"White", 45'000, 12}, {"Black", 45'000, 7}}},
      {"Hand Cream", {{"default", 8'900, 0}}},
      {"Water Bottle 750ml", {{"default", 15'000, 64}}},
  };
  for (const auto& product : products) {
    auto created = SubmitAndWait(processor, CreateProduct{product});
    if (!created) return Fail(created.error());
  }
  return {};
}

Result<void> SeedCoupons(CommandProcessor& processor, TimeMs now_ms) {
  const NewCoupon coupons[] = {
      {"Welcome 5,000 won", DiscountType::kFixed, 5'000, 1'000, 0},
      {"10% off everything", DiscountType::kRate, 10, 100, 0},
      {"Flash sale 50%", DiscountType::kRate, 50, 10, now_ms + 7LL * 24 * 3600 * 1000},
  };
  for (const auto& coupon : coupons) {
    auto created = SubmitAndWait(processor, CreateCoupon{coupon});
    if (!created) return Fail(created.error());
  }
  return {};
}

}  // namespace

Result<void> SeedDemoData(CommandProcessor& processor, TimeMs now_ms) {
  if (auto users = SeedUsers(processor); !users) return users;
  if (auto catalog = SeedCatalog(processor); !catalog) return catalog;
  return SeedCoupons(processor, now_ms);
}

}  // namespace eventmart::cli
