#include "tools/demo_data.h"

#include <future>
#include <vector>

namespace eventmart::cli {

Result<Reply> SubmitAndWait(CommandProcessor& processor, Command command) {
  std::promise<Result<Reply>> promise;
  auto future = promise.get_future();
  processor.Submit(std::move(command), std::nullopt, nullptr,
                   [&promise](Outcome outcome) { promise.set_value(std::move(outcome.reply)); });
  return future.get();
}

namespace {

constexpr TimeMs kHourMs = 3600 * 1000;

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

Result<std::vector<ProductView>> SeedCatalog(CommandProcessor& processor) {
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
  std::vector<ProductView> created_products;
  for (const auto& product : products) {
    auto created = SubmitAndWait(processor, CreateProduct{product});
    if (!created) return Fail(created.error());
    created_products.push_back(std::get<ProductView>(*created));
  }
  return created_products;
}

Result<void> SeedCoupons(CommandProcessor& processor, TimeMs now_ms, const std::vector<ProductView>& products) {
  constexpr TimeMs kDayMs = 24 * kHourMs;
  constexpr std::size_t kCoffee = 2;
  const NewCoupon coupons[] = {
      {"Welcome 5,000 won", DiscountType::kFixed, 5'000, 1'000, 0},
      {"10% off everything", DiscountType::kRate, 10, 100, 0},
      {"Flash sale 50%", DiscountType::kRate, 50, 10, now_ms + 7 * kDayMs},
      // The seeds' rules: issued only inside a window (opens tomorrow, for two days) ...
      {.name = "Weekend 3,000 won", .type = DiscountType::kFixed, .value = 3'000, .total_quantity = 200,
       .expires_at_ms = 0, .issue_from_ms = now_ms + kDayMs, .issue_until_ms = now_ms + 3 * kDayMs},
      // ... paused below ...
      {"Members 15% (paused)", DiscountType::kRate, 15, 50, 0},
      // ... and discounting only the coffee lines of an order.
      {.name = "Coffee 20% off", .type = DiscountType::kRate, .value = 20, .total_quantity = 100, .expires_at_ms = 0,
       .issue_from_ms = 0, .issue_until_ms = 0, .product_ids = {products.at(kCoffee).product_id}},
  };
  for (const auto& coupon : coupons) {
    auto created = SubmitAndWait(processor, CreateCoupon{coupon});
    if (!created) return Fail(created.error());
    if (coupon.name.ends_with("(paused)")) {
      auto paused = SubmitAndWait(processor, PauseCoupon{.coupon_id = std::get<CouponView>(*created).coupon_id});
      if (!paused) return Fail(paused.error());
    }
  }
  return {};
}

// A product taken off sale (seed 003's SELLABLE): it answers by id, is
// left out of the list, and cannot be ordered.
Result<void> StopDemoProduct(CommandProcessor& processor, const std::vector<ProductView>& products) {
  constexpr std::size_t kHandCream = 6;
  auto stopped = SubmitAndWait(processor, SetProductStatus{.product_id = products.at(kHandCream).product_id,
                                                           .status = ProductStatus::kStopped});
  if (!stopped) return Fail(stopped.error());
  return {};
}

// Paid orders spread over the last three days, so that the best sellers
// show a ranking at once. Paid by lee and choi (kim keeps 50,000 points).
Result<void> SeedPaidOrders(CommandProcessor& processor, ManualClock& clock, TimeMs now_ms,
                            const std::vector<ProductView>& products) {
  struct Line {
    std::size_t product;  // index into the demo catalog
    std::size_t option;   // index into its options
    Quantity quantity;
  };
  struct DemoOrder {
    int hours_ago;
    UserId user;
    std::vector<Line> lines;
  };
  constexpr UserId kLee = 2, kChoi = 4;
  constexpr std::size_t kTshirt = 0, kEarbuds = 1, kCoffee = 2, kNotebook = 4, kBottle = 7;
  const DemoOrder orders[] = {
      {70, kChoi, {{kNotebook, 0, 5}}},
      {62, kLee, {{kCoffee, 1, 1}}},
      {50, kChoi, {{kBottle, 0, 2}}},
      {44, kChoi, {{kTshirt, 1, 1}, {kNotebook, 0, 3}}},
      {30, kLee, {{kNotebook, 0, 4}}},
      {26, kChoi, {{kCoffee, 0, 2}}},
      {20, kChoi, {{kBottle, 0, 3}}},
      {8, kChoi, {{kEarbuds, 0, 1}}},
      {3, kLee, {{kBottle, 0, 1}, {kNotebook, 0, 2}}},
  };
  for (const auto& order : orders) {
    PlaceOrder place{.user_id = order.user, .items = {}, .coupon_id = std::nullopt, .pay = true};
    for (const auto& line : order.lines) {
      const ProductView& product = products.at(line.product);
      place.items.push_back({.product_id = product.product_id,
                             .option_id = product.options.at(line.option).option_id,
                             .quantity = line.quantity});
    }
    clock.Set(now_ms - order.hours_ago * kHourMs);
    auto placed = SubmitAndWait(processor, std::move(place));
    if (!placed) return Fail(placed.error());
  }
  return {};
}

}  // namespace

Result<void> SeedDemoData(EventStore& store, TimeMs now_ms, const CommandProcessorOptions& options) {
  // Its own processor, on a clock that walks through the last three days.
  ManualClock clock(now_ms - 71 * kHourMs);
  CommandProcessor processor(store, clock, options);
  if (auto started = processor.Start(); !started) return Fail(started.error());
  auto seeded = [&]() -> Result<void> {
    if (auto users = SeedUsers(processor); !users) return users;
    auto catalog = SeedCatalog(processor);
    if (!catalog) return Fail(catalog.error());
    if (auto coupons = SeedCoupons(processor, now_ms, *catalog); !coupons) return coupons;
    if (auto paid = SeedPaidOrders(processor, clock, now_ms, *catalog); !paid) return paid;
    return StopDemoProduct(processor, *catalog);
  }();
  processor.Stop();
  return seeded;
}

}  // namespace eventmart::cli
