// Orders and payments under real concurrent clients.
#include <catch2/catch.hpp>
#include <atomic>
#include <map>
#include <thread>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"
#include "tests/support/storm.h"

using namespace eventmart;
using namespace eventmart::testing;

TEST_CASE("The same order paid 16 times at once is paid once", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-pay-same"));
  auto c = server.Client();
  auto kim = ChargedUser(c, "kim", 100000);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":7000,"stock":10})");
  long long order = c.Post("/api/v1/orders", OrderBody(kim, OneLine(mug, 1))).json()["orderId"];
  auto payments = RaceAndTally(server, 16, "ORDER_NOT_PAYABLE",
                               [&](HttpClient& client, int) { return client.Post("/api/v1/payments", PayBody(order, kim)); });
  CHECK(payments.created == 1);
  CHECK(payments.refused == 15);
  CHECK(payments.other == 0);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 93000);
}

TEST_CASE("A balance of 5,000 and 20 payments of 1,000 at once: exactly 5 succeed", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-pay-balance"));
  auto c = server.Client();
  auto kim = ChargedUser(c, "kim", 5000);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":100})");
  std::vector<long long> orders;
  for (int i = 0; i < 20; ++i) orders.push_back(c.Post("/api/v1/orders", OrderBody(kim, OneLine(mug, 1))).json()["orderId"]);
  auto payments = RaceAndTally(server, 20, "INSUFFICIENT_BALANCE",
                               [&](HttpClient& client, int i) { return client.Post("/api/v1/payments", PayBody(orders[i], kim)); });
  CHECK(payments.created == 5);
  CHECK(payments.refused == 15);
  CHECK(payments.other == 0);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 0);
  int paid_orders = 0;
  for (auto id : orders) paid_orders += c.Get("/api/v1/orders/" + std::to_string(id)).json()["status"] == "PAID";
  CHECK(paid_orders == 5);
}

TEST_CASE("Stock 10 and 60 buyers at once: 10 orders, stock 0", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-stock"));
  auto c = server.Client();
  auto buyers = CreateUsers(c, 60, "b");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":10})");
  auto orders_placed = RaceAndTally(server, 60, "OUT_OF_STOCK",
                                    [&](HttpClient& client, int i) { return client.Post("/api/v1/orders", OrderBody(buyers[i], OneLine(mug, 1))); });
  CHECK(orders_placed.created == 10);
  CHECK(orders_placed.refused == 50);
  CHECK(orders_placed.other == 0);
  auto product = c.Get("/api/v1/products/" + Id(mug["productId"])).json();
  CHECK(product["stock"] == 0);
  CHECK(product["soldOut"] == true);
}

TEST_CASE("One coupon on 20 orders at once: one order gets it", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-coupon"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":100})");
  auto coupon = CreateCouponAs(c, R"({"name":"f","discountType":"FIXED","discountValue":500,"totalQuantity":5})");
  IssueCouponTo(c, coupon, kim);
  std::string with_coupon = OrderBody(kim, OneLine(mug, 1), CouponField(coupon));
  auto orders_placed = RaceAndTally(server, 20, "COUPON_NOT_USABLE",
                                    [&](HttpClient& client, int) { return client.Post("/api/v1/orders", with_coupon); });
  CHECK(orders_placed.created == 1);
  CHECK(orders_placed.refused == 19);
  CHECK(orders_placed.other == 0);
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] == 99);
}

TEST_CASE("Payments racing expiry: every order ends PAID xor EXPIRED, and the books agree", "[api][orders][expiry][concurrency][slow]") {
  TestServer server(TempDir("race-expiry"), {.order_ttl_ms = 1000});
  auto c = server.Client();
  constexpr int kOrders = 40;
  auto kim = ChargedUser(c, "kim", 1000000);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":1000})");
  std::vector<long long> orders;
  auto placed_at = std::chrono::steady_clock::now();
  for (int i = 0; i < kOrders; ++i) orders.push_back(c.Post("/api/v1/orders", OrderBody(kim, OneLine(mug, 1 + i % 3))).json()["orderId"]);
  // Pay each order at a different moment around its deadline.
  std::map<long long, int> answers;
  std::mutex answers_mu;
  Race(server, kOrders, [&](HttpClient& client, int i) {
    std::this_thread::sleep_until(placed_at + std::chrono::milliseconds(800 + 10 * i));
    auto r = client.Post("/api/v1/payments", PayBody(orders[i], kim));
    std::lock_guard lock(answers_mu);
    answers[orders[i]] = r.status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let every deadline pass
  long long spent = 0, held = 0;
  int paid = 0, expired = 0;
  for (int i = 0; i < kOrders; ++i) {
    auto order = c.Get("/api/v1/orders/" + std::to_string(orders[i])).json();
    std::string status = order["status"];
    INFO("order " << orders[i] << " status " << status << " payment answer " << answers[orders[i]]);
    CHECK((status == "PAID" || status == "EXPIRED"));
    CHECK((status == "PAID") == (answers[orders[i]] == 201));  // the answer and the outcome agree
    if (status == "PAID") {
      ++paid;
      spent += order["payAmount"].get<long long>();
      held += order["items"][0]["quantity"].get<long long>();
    } else {
      ++expired;
    }
  }
  INFO("paid " << paid << ", expired " << expired);
  CHECK(paid + expired == kOrders);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 1000000 - spent);
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] == 1000 - held);
}
