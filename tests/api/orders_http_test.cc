// Orders, payments, expiry and best sellers over real HTTP.
#include <catch2/catch.hpp>
#include <atomic>
#include <thread>

#include "domain/time_format.h"
#include "projections/best_seller_projection.h"
#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

constexpr TimeMs kStart = 1'790'000'000'000;  // 2026-09-21, a fixed "now" for ManualClock tests

long long Stock(HttpClient& c, const nlohmann::json& product, int option_index) {
  return c.Get("/api/v1/products/" + Id(product["productId"])).json()["options"][option_index]["stock"].get<long long>();
}

std::string CouponStatus(HttpClient& c, std::int64_t user) {
  auto items = c.Get("/api/v1/coupons?userId=" + Id(user) + "&status=ALL").json()["items"];
  return items.empty() ? "" : items[0]["status"].get<std::string>();
}

// Given: kim, a mug (5,000, stock 3) and a 1,000-off coupon issued to kim.
struct CouponHolder {
  std::int64_t kim;
  nlohmann::json mug;
  nlohmann::json coupon;
};
CouponHolder GivenKimHoldsACoupon(HttpClient& c) {
  auto kim = CreateUser(c, "kim");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":5000,"stock":3})");
  auto coupon = CreateCouponAs(c, R"({"name":"f","discountType":"FIXED","discountValue":1000,"totalQuantity":5})");
  IssueCouponTo(c, coupon, kim);
  return {kim, mug, coupon};
}

}  // namespace

TEST_CASE("Place, then pay: stock and coupon reserved, cart cleared, points spent", "[api][orders]") {
  TestServer server(TempDir("http-order-flow"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  Charge(c, kim, 100'000);
  auto shirt = CreateProductAs(c, R"({"name":"Shirt","options":[{"name":"S","price":12000,"stock":5},{"name":"M","price":15000,"stock":5}]})");
  auto coupon = CreateCouponAs(c, R"({"name":"10%","discountType":"RATE","discountValue":10,"totalQuantity":5})");
  IssueCouponTo(c, coupon, kim);
  REQUIRE(c.Post("/api/v1/users/" + Id(kim) + "/cart/items", OptionLine(shirt, 0, 1)).status == 200);
  REQUIRE(c.Post("/api/v1/users/" + Id(kim) + "/cart/items", OptionLine(shirt, 1, 1)).status == 200);

  auto placed = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 2) + "]", CouponField(coupon)));
  REQUIRE(placed.status == 201);
  auto order = placed.json();
  CHECK(order["status"] == "NOT_PAID");
  CHECK(order["totalAmount"] == 24000);
  CHECK(order["discountAmount"] == 2400);
  CHECK(order["payAmount"] == 21600);
  CHECK(order["couponId"] == coupon["couponId"]);
  CHECK(order["items"][0]["amount"] == 24000);
  CHECK(order["items"][0]["unitPrice"] == 12000);
  CHECK(Stock(c, shirt, 0) == 3);
  CHECK(CouponStatus(c, kim) == "RESERVED");
  auto cart = c.Get("/api/v1/users/" + Id(kim) + "/cart").json();
  REQUIRE(cart["items"].size() == 1);  // only the ordered option left the cart
  CHECK(cart["items"][0]["optionId"] == shirt["options"][1]["optionId"]);

  auto paid = c.Post("/api/v1/payments", PayBody(order["orderId"], kim));
  REQUIRE(paid.status == 201);
  CHECK(paid.json()["amount"] == 21600);
  CHECK(paid.json()["status"] == "COMPLETED");
  CHECK(paid.json()["paymentId"].is_number_integer());
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 100'000 - 21600);
  auto history = c.Get("/api/v1/points/" + Id(kim) + "/history").json()["items"];
  CHECK(history[0]["type"] == "PAYMENT");
  CHECK(history[0]["amount"] == 21600);
  CHECK(history[0]["orderId"] == order["orderId"]);
  CHECK(CouponStatus(c, kim) == "USED");
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"].empty());
  auto got = c.Get("/api/v1/orders/" + Id(order["orderId"])).json();
  CHECK(got["status"] == "PAID");
  CHECK(got["paidAt"].is_string());
  CHECK(Stock(c, shirt, 0) == 3);  // paid stock stays taken
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], kim)), 409, "ORDER_NOT_PAYABLE");
  CheckError(c.Post("/api/v1/orders/" + Id(order["orderId"]) + "/cancel", R"({"userId":)" + Id(kim) + "}"), 409,
             "ORDER_NOT_CANCELLABLE");
}

TEST_CASE("Bad orders are refused and reserve nothing", "[api][orders][validation]") {
  TestServer server(TempDir("http-order-validation"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto lee = CreateUser(c, "lee");
  auto shirt = CreateProductAs(c, R"({"name":"Shirt","options":[{"name":"S","price":12000,"stock":5},{"name":"M","price":15000,"stock":1}]})");
  auto coupon = CreateCouponAs(c, R"({"name":"f","discountType":"FIXED","discountValue":1000,"totalQuantity":5})");
  std::string coupon_field = CouponField(coupon);
  auto before = server.store().LastPosition();
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[]")), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "{}")), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 0) + "]")), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "," + OptionLine(shirt, 0, 2) + "]")), 400,
             "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "]", R"(,"pay":"yes")")), 400,
             "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/orders", OrderBody(999, "[" + OptionLine(shirt, 0, 1) + "]")), 404, "USER_NOT_FOUND");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, R"([{"productId":999,"quantity":1}])")), 404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "]", R"(,"couponId":999)")), 404,
             "COUPON_NOT_FOUND");
  // All or nothing: the first line fits, the second does not.
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "," + OptionLine(shirt, 1, 2) + "]")), 409,
             "OUT_OF_STOCK");
  // A coupon the user does not hold.
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "]", coupon_field)), 409, "COUPON_NOT_USABLE");
  CHECK(server.store().LastPosition() == before);
  CHECK(Stock(c, shirt, 0) == 5);

  // Another user's order: 403 to pay or cancel it.
  IssueCouponTo(c, coupon, kim);
  auto order = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "]", coupon_field)).json();
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], lee)), 403, "FORBIDDEN");
  CheckError(c.Post("/api/v1/orders/" + Id(order["orderId"]) + "/cancel", R"({"userId":)" + Id(lee) + "}"), 403, "FORBIDDEN");
  CheckError(c.Post("/api/v1/payments", PayBody(999, kim)), 404, "ORDER_NOT_FOUND");
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], 999)), 404, "USER_NOT_FOUND");
  CheckError(c.Post("/api/v1/payments", R"({"orderId":"1","userId":1})"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/orders/999"), 404, "ORDER_NOT_FOUND");
  // The coupon is now held by that order: a second order cannot use it.
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(shirt, 0, 1) + "]", coupon_field)), 409, "COUPON_NOT_USABLE");
  // Not enough points: the order stays payable.
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], kim)), 409, "INSUFFICIENT_BALANCE");
  CHECK(c.Get("/api/v1/orders/" + Id(order["orderId"])).json()["status"] == "NOT_PAID");
  Charge(c, kim, 11000);
  CHECK(c.Post("/api/v1/payments", PayBody(order["orderId"], kim)).status == 201);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 0);
}

TEST_CASE("pay:true places and pays at once, or reserves nothing", "[api][orders]") {
  TestServer server(TempDir("http-order-pay-now"));
  auto c = server.Client();
  auto [kim, mug, coupon] = GivenKimHoldsACoupon(c);
  std::string body = OrderBody(kim, "[" + OptionLine(mug, 0, 2) + "]", CouponField(coupon) + R"(,"pay":true)");
  auto before = server.store().LastPosition();
  CheckError(c.Post("/api/v1/orders", body), 409, "INSUFFICIENT_BALANCE");
  CHECK(server.store().LastPosition() == before);
  CHECK(Stock(c, mug, 0) == 3);
  CHECK(CouponStatus(c, kim) == "ISSUED");
  Charge(c, kim, 9000);
  auto paid = c.Post("/api/v1/orders", body);
  REQUIRE(paid.status == 201);
  CHECK(paid.json()["status"] == "PAID");
  CHECK(paid.json()["payAmount"] == 9000);
  CHECK(Stock(c, mug, 0) == 1);
  CHECK(CouponStatus(c, kim) == "USED");
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 0);
}

TEST_CASE("Cancelling gives stock and coupon back, once", "[api][orders]") {
  TestServer server(TempDir("http-order-cancel"));
  auto c = server.Client();
  auto [kim, mug, coupon] = GivenKimHoldsACoupon(c);
  auto order = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(mug, 0, 3) + "]", CouponField(coupon))).json();
  CHECK(Stock(c, mug, 0) == 0);
  auto cancelled = c.Post("/api/v1/orders/" + Id(order["orderId"]) + "/cancel", R"({"userId":)" + Id(kim) + "}");
  REQUIRE(cancelled.status == 200);
  CHECK(cancelled.json()["status"] == "CANCELLED");
  CHECK(Stock(c, mug, 0) == 3);
  CHECK(CouponStatus(c, kim) == "ISSUED");
  CheckError(c.Post("/api/v1/orders/" + Id(order["orderId"]) + "/cancel", R"({"userId":)" + Id(kim) + "}"), 409,
             "ORDER_NOT_CANCELLABLE");
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], kim)), 409, "ORDER_NOT_PAYABLE");
  auto list = c.Get("/api/v1/orders?userId=" + Id(kim)).json();
  CHECK(list["items"].size() == 1);
  CHECK(list["items"][0]["status"] == "CANCELLED");
}

TEST_CASE("Unpaid orders expire at their deadline and give everything back", "[api][orders][expiry]") {
  ManualClock clock(kStart);
  TestServer server(TempDir("http-order-expiry"), {.clock = &clock});
  auto c = server.Client();
  auto [kim, mug, coupon] = GivenKimHoldsACoupon(c);
  Charge(c, kim, 50'000);
  auto order = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(mug, 0, 2) + "]", CouponField(coupon))).json();
  CHECK(order["expiresAt"] == eventmart::FormatTime(kStart + 5 * 60 * 1000));
  clock.Advance(5 * 60 * 1000 - 1);
  server.processor().Wake();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(c.Get("/api/v1/orders/" + Id(order["orderId"])).json()["status"] == "NOT_PAID");
  clock.Advance(1);
  server.processor().Wake();
  for (int i = 0; i < 100 && c.Get("/api/v1/orders/" + Id(order["orderId"])).json()["status"] != "EXPIRED"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(c.Get("/api/v1/orders/" + Id(order["orderId"])).json()["status"] == "EXPIRED");
  CHECK(Stock(c, mug, 0) == 3);
  CHECK(CouponStatus(c, kim) == "ISSUED");
  CheckError(c.Post("/api/v1/payments", PayBody(order["orderId"], kim)), 409, "ORDER_NOT_PAYABLE");
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 50'000);
}

TEST_CASE("Orders that came due while the server was down expire right after it starts", "[api][orders][expiry]") {
  ManualClock clock(kStart);
  std::string dir = TempDir("http-order-expiry-restart");
  std::int64_t order_id;
  nlohmann::json mug;
  {
    TestServer server(dir, {.clock = &clock});
    auto c = server.Client();
    auto kim = CreateUser(c, "kim");
    mug = CreateProductAs(c, R"({"name":"Mug","price":5000,"stock":3})");
    order_id = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(mug, 0, 3) + "]")).json()["orderId"];
  }
  clock.Advance(60 * 60 * 1000);  // an hour later
  TestServer server(dir, {.clock = &clock});
  auto c = server.Client();
  for (int i = 0; i < 100 && c.Get("/api/v1/orders/" + Id(order_id)).json()["status"] != "EXPIRED"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(c.Get("/api/v1/orders/" + Id(order_id)).json()["status"] == "EXPIRED");
  CHECK(Stock(c, mug, 0) == 3);
}

TEST_CASE("Best sellers rank paid quantities in a rolling window", "[api][bestsellers]") {
  ManualClock clock(kStart);
  TestServer server(TempDir("http-best"), {.clock = &clock});
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  Charge(c, kim, 10'000'000);
  std::vector<nlohmann::json> products;
  for (int i = 0; i < 7; ++i) {
    products.push_back(CreateProductAs(c, R"({"name":"p)" + std::to_string(i) + R"(","price":10,"stock":1000})"));
  }
  auto buy = [&](int product, int quantity, bool pay) {
    auto r = c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(products[product], 0, quantity) + "]", pay ? R"(,"pay":true)" : ""));
    REQUIRE(r.status == 201);
  };
  buy(0, 5, true);   // day 0
  clock.Advance(kDayMs);
  buy(1, 7, true);   // day 1
  buy(2, 7, true);   // a tie with product 1: the lower id ranks first
  buy(3, 50, false); // placed, never paid: does not count
  clock.Advance(kDayMs);
  buy(4, 1, true);
  buy(0, 1, true);   // product 0: 6 in total
  auto best = c.Get("/api/v1/products/best").json();
  REQUIRE(best["items"].size() == 4);
  CHECK(best["items"][0]["productId"] == products[1]["productId"]);
  CHECK(best["items"][0]["rank"] == 1);
  CHECK(best["items"][0]["soldQuantity"] == 7);
  CHECK(best["items"][1]["productId"] == products[2]["productId"]);
  CHECK(best["items"][2]["productId"] == products[0]["productId"]);
  CHECK(best["items"][2]["soldQuantity"] == 6);
  CHECK(best["items"][2]["name"] == "p0");
  CHECK(best["to"] == eventmart::FormatTime(clock.NowMs()));
  CHECK(best["from"] == eventmart::FormatTime(clock.NowMs() - 3 * kDayMs));
  CHECK(c.Get("/api/v1/products/best?limit=2").json()["items"].size() == 2);
  // One more day: the first sale of product 0 (3 days ago) leaves the window.
  clock.Advance(kDayMs + 1);
  best = c.Get("/api/v1/products/best").json();
  CHECK(best["items"][2]["productId"] == products[0]["productId"]);
  CHECK(best["items"][2]["soldQuantity"] == 1);
  CHECK(c.Get("/api/v1/products/best?days=1").json()["items"].size() == 0);
  CHECK(c.Get("/api/v1/products/best?days=30").json()["items"][0]["soldQuantity"] == 7);
  CheckError(c.Get("/api/v1/products/best?days=0"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/products/best?days=31"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/products/best?limit=101"), 400, "INVALID_REQUEST");
}

TEST_CASE("Best sellers survive a restart without replaying the log", "[api][bestsellers]") {
  ManualClock clock(kStart);
  std::string dir = TempDir("http-best-restart");
  {
    TestServer server(dir, {.clock = &clock});
    auto c = server.Client();
    auto kim = CreateUser(c, "kim");
    Charge(c, kim, 1000);
    auto p = CreateProductAs(c, R"({"name":"p","price":10,"stock":100})");
    REQUIRE(c.Post("/api/v1/orders", OrderBody(kim, "[" + OptionLine(p, 0, 9) + "]", R"(,"pay":true)")).status == 201);
  }
  TestServer server(dir, {.clock = &clock});
  auto c = server.Client();
  auto best = c.Get("/api/v1/products/best").json();
  REQUIRE(best["items"].size() == 1);
  CHECK(best["items"][0]["soldQuantity"] == 9);
}
