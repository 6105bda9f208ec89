// Orders and payments under real concurrent clients.
#include <catch2/catch.hpp>
#include <atomic>
#include <map>
#include <thread>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"
#include "tests/support/start_line.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

// Runs body(i) on n threads, each with its own connection, all released at once.
template <class Body>
void Race(TestServer& server, int n, Body body) {
  StartLine start;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", server.port());
      REQUIRE(c.Get("/healthz").status == 200);
      start.Wait();
      body(c, i);
    });
  }
  start.Go();
  for (auto& t : threads) t.join();
}

std::string OneItem(const nlohmann::json& product, int quantity) {
  return R"([{"productId":)" + Id(product["productId"]) + R"(,"quantity":)" + std::to_string(quantity) + "}]";
}

std::string Order(std::int64_t user, const std::string& items, const std::string& extra = "") {
  return R"({"userId":)" + std::to_string(user) + R"(,"items":)" + items + extra + "}";
}

std::string Pay(long long order, std::int64_t user) {
  return R"({"orderId":)" + std::to_string(order) + R"(,"userId":)" + std::to_string(user) + "}";
}

}  // namespace

TEST_CASE("The same order paid 16 times at once is paid once", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-pay-same"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":100000})").status == 200);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":7000,"stock":10})");
  long long order = c.Post("/api/v1/orders", Order(kim, OneItem(mug, 1))).json()["orderId"];
  std::atomic<int> paid{0}, not_payable{0}, other{0};
  Race(server, 16, [&](HttpClient& client, int) {
    auto r = client.Post("/api/v1/payments", Pay(order, kim));
    if (r.status == 201) ++paid;
    else if (r.status == 409 && r.json()["code"] == "ORDER_NOT_PAYABLE") ++not_payable;
    else ++other;
  });
  CHECK(paid == 1);
  CHECK(not_payable == 15);
  CHECK(other == 0);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 93000);
}

TEST_CASE("A balance of 5,000 and 20 payments of 1,000 at once: exactly 5 succeed", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-pay-balance"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":5000})").status == 200);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":100})");
  std::vector<long long> orders;
  for (int i = 0; i < 20; ++i) orders.push_back(c.Post("/api/v1/orders", Order(kim, OneItem(mug, 1))).json()["orderId"]);
  std::atomic<int> paid{0}, insufficient{0}, other{0};
  Race(server, 20, [&](HttpClient& client, int i) {
    auto r = client.Post("/api/v1/payments", Pay(orders[i], kim));
    if (r.status == 201) ++paid;
    else if (r.status == 409 && r.json()["code"] == "INSUFFICIENT_BALANCE") ++insufficient;
    else ++other;
  });
  CHECK(paid == 5);
  CHECK(insufficient == 15);
  CHECK(other == 0);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 0);
  int paid_orders = 0;
  for (auto id : orders) paid_orders += c.Get("/api/v1/orders/" + std::to_string(id)).json()["status"] == "PAID";
  CHECK(paid_orders == 5);
}

TEST_CASE("Stock 10 and 60 buyers at once: 10 orders, stock 0", "[api][orders][concurrency]") {
  TestServer server(TempDir("race-stock"));
  auto c = server.Client();
  std::vector<std::int64_t> buyers;
  for (int i = 0; i < 60; ++i) buyers.push_back(CreateUser(c, "b" + std::to_string(i)));
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":10})");
  std::atomic<int> placed{0}, out{0}, other{0};
  Race(server, 60, [&](HttpClient& client, int i) {
    auto r = client.Post("/api/v1/orders", Order(buyers[i], OneItem(mug, 1)));
    if (r.status == 201) ++placed;
    else if (r.status == 409 && r.json()["code"] == "OUT_OF_STOCK") ++out;
    else ++other;
  });
  CHECK(placed == 10);
  CHECK(out == 50);
  CHECK(other == 0);
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
  REQUIRE(c.Post("/api/v1/coupons/" + Id(coupon["couponId"]) + "/issue", R"({"userId":)" + Id(kim) + "}").status == 201);
  std::atomic<int> placed{0}, unusable{0}, other{0};
  Race(server, 20, [&](HttpClient& client, int) {
    auto r = client.Post("/api/v1/orders", Order(kim, OneItem(mug, 1), R"(,"couponId":)" + Id(coupon["couponId"])));
    if (r.status == 201) ++placed;
    else if (r.status == 409 && r.json()["code"] == "COUPON_NOT_USABLE") ++unusable;
    else ++other;
  });
  CHECK(placed == 1);
  CHECK(unusable == 19);
  CHECK(other == 0);
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] == 99);
}

TEST_CASE("Payments racing expiry: every order ends PAID xor EXPIRED, and the books agree", "[api][orders][expiry][concurrency][slow]") {
  TestServer server(TempDir("race-expiry"), {.order_ttl_ms = 1000});
  auto c = server.Client();
  constexpr int kOrders = 40;
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":1000000})").status == 200);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":1000})");
  std::vector<long long> orders;
  auto placed_at = std::chrono::steady_clock::now();
  for (int i = 0; i < kOrders; ++i) orders.push_back(c.Post("/api/v1/orders", Order(kim, OneItem(mug, 1 + i % 3))).json()["orderId"]);
  // Pay each order at a different moment around its deadline.
  std::map<long long, int> answers;
  std::mutex answers_mu;
  Race(server, kOrders, [&](HttpClient& client, int i) {
    std::this_thread::sleep_until(placed_at + std::chrono::milliseconds(800 + 10 * i));
    auto r = client.Post("/api/v1/payments", Pay(orders[i], kim));
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
