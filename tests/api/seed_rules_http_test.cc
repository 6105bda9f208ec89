// The seeds' remaining rules over real HTTP: products on sale or stopped,
// coupon issuance windows and pauses, coupons for some products. The storm
// tests use real concurrent clients and check the log afterwards.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "eventstore/scan_events.h"
#include "tests/support/api_helpers.h"
#include "tests/support/process.h"
#include "tests/support/server_fixture.h"
#include "tests/support/start_line.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
SteadyTime Now() { return std::chrono::steady_clock::now(); }

std::string Order(std::int64_t user, const std::string& items, const std::string& extra = "") {
  return R"({"userId":)" + std::to_string(user) + R"(,"items":)" + items + extra + "}";
}

std::string Line(const nlohmann::json& product, int quantity) {
  return R"({"productId":)" + Id(product["productId"]) + R"(,"quantity":)" + std::to_string(quantity) + "}";
}

std::string UserBody(std::int64_t user) { return R"({"userId":)" + std::to_string(user) + "}"; }

std::string StatusPath(const nlohmann::json& product) {
  return "/api/v1/admin/products/" + Id(product["productId"]) + "/status";
}

std::string CouponPath(const nlohmann::json& coupon, const std::string& tail) {
  return "/api/v1/coupons/" + Id(coupon["couponId"]) + tail;
}

std::string AdminCouponPath(const nlohmann::json& coupon, const std::string& tail) {
  return "/api/v1/admin/coupons/" + Id(coupon["couponId"]) + tail;
}

// One request a storm client sent: when it left, when its answer came, what it was.
struct Sent {
  SteadyTime sent;
  SteadyTime answered;
  int status = 0;
  std::string code;
  std::int64_t id = 0;  // the order or user coupon made, on success
};

// `verify` on the live store: every invariant from the log (a stopped
// product gains no line after its stop, no coupon is issued while paused
// or outside its window), and the read models against a fresh fold.
void CheckVerifyPasses(const std::string& dir) {
  auto verify = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find(" 0 violations") != std::string::npos);
}

// Positions in the log of the events of `type` that `pick` selects.
template <class E, class Pick>
std::vector<std::pair<GlobalPosition, E>> EventsOf(const EventStore& log, Pick pick) {
  std::vector<std::pair<GlobalPosition, E>> out;
  auto scanned = ScanEvents(
      log, {}, [](std::string_view type) { return type == E::kType; },
      [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
        const E& e = std::get<E>(event);
        if (pick(e)) out.emplace_back(view.position, e);
        return ScanStep::kContinue;
      });
  REQUIRE(scanned);
  return out;
}

}  // namespace

TEST_CASE("A product is stopped and put on sale again as the contract says", "[api][seeds][products]") {
  TestServer server(TempDir("http-product-status"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":7000,"stock":10})");
  auto cup = CreateProductAs(c, R"({"name":"Cup","price":3000,"stock":10})");
  CHECK(mug["status"] == "ON_SALE");
  REQUIRE(c.Post("/api/v1/users/" + Id(kim) + "/cart/items", "{\"productId\":" + Id(cup["productId"]) + ",\"quantity\":1}")
              .status == 200);

  // Order of checks: shape (400), token (401), existence (404).
  CheckError(c.Post(StatusPath(mug), R"({"status":"GONE"})", {kAdmin}), 400, "INVALID_REQUEST");
  CheckError(c.Post(StatusPath(mug), R"({"status":7})", {kAdmin}), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/products/x/status", R"({"status":"STOPPED"})", {kAdmin}), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/products/999/status", R"({"status":"GONE"})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(StatusPath(mug), R"({"status":"STOPPED"})"), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/products/999/status", R"({"status":"STOPPED"})", {kAdmin}), 404, "PRODUCT_NOT_FOUND");

  auto stopped = c.Post(StatusPath(mug), R"({"status":"STOPPED"})", {kAdmin});
  REQUIRE(stopped.status == 200);
  CHECK(stopped.json()["status"] == "STOPPED");
  CHECK(stopped.json()["options"].size() == 1);
  CHECK(c.Post(StatusPath(mug), R"({"status":"STOPPED"})", {kAdmin}).json()["status"] == "STOPPED");  // again: no change
  auto stopped_cup = c.Post(StatusPath(cup), R"({"status":"STOPPED"})", {kAdmin});
  REQUIRE(stopped_cup.status == 200);

  // Answers by id with its status, left out of the lists unless asked for.
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["status"] == "STOPPED");
  CHECK(c.Get("/api/v1/products").json()["items"].size() == 0);
  CHECK(c.Get("/api/v1/products?includeSoldOut=true").json()["items"].size() == 0);
  auto listed = c.Get("/api/v1/products?includeStopped=true");
  REQUIRE(listed.json()["items"].size() == 2);
  CHECK(listed.json()["items"][0]["status"] == "STOPPED");
  CheckError(c.Get("/api/v1/products?includeStopped=yes"), 400, "INVALID_REQUEST");

  // Cannot go into a cart or an order; a cart line of it stays, and ordering it is refused.
  CheckError(c.Post("/api/v1/users/" + Id(kim) + "/cart/items", "{\"productId\":" + Id(mug["productId"]) + ",\"quantity\":1}"),
             409, "PRODUCT_NOT_SELLABLE");
  CheckError(c.Post("/api/v1/orders", Order(kim, "[" + Line(mug, 1) + "]")), 409, "PRODUCT_NOT_SELLABLE");
  CHECK(c.Get("/api/v1/users/" + Id(kim) + "/cart").json()["items"].size() == 1);
  CheckError(c.Post("/api/v1/orders", Order(kim, "[" + Line(cup, 1) + "]")), 409, "PRODUCT_NOT_SELLABLE");
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] == 10);  // nothing reserved

  auto again = c.Post(StatusPath(mug), R"({"status":"ON_SALE"})", {kAdmin});
  REQUIRE(again.status == 200);
  CHECK(again.json()["status"] == "ON_SALE");
  CHECK(c.Get("/api/v1/products").json()["items"].size() == 1);
  CHECK(c.Post("/api/v1/orders", Order(kim, "[" + Line(mug, 1) + "]")).status == 201);
}

TEST_CASE("A product stopped in a storm of 64 ordering clients refuses every order sent after the stop is acknowledged",
          "[api][seeds][concurrency]") {
  std::string dir = TempDir("http-stop-storm");
  TestServer server(dir);
  auto c = server.Client();
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":1000000})");
  constexpr int kClients = 64;
  std::vector<std::int64_t> users;
  for (int i = 0; i < kClients; ++i) users.push_back(CreateUser(c, "u" + std::to_string(i)));

  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop_acked{false};
  SteadyTime stop_sent{}, stop_answered{};
  Response stop_reply;
  std::vector<std::vector<Sent>> sent(kClients);
  StartLine start;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server.port());
      REQUIRE(client.Get("/healthz").status == 200);
      start.Wait();
      // Orders until one order has left after the stop's acknowledgement
      // came back (at most 400 each, so a broken stop cannot hang the test).
      for (int n = 0; n < 400; ++n) {
        bool after = stop_acked.load();
        Sent s{.sent = Now()};
        auto r = client.Post("/api/v1/orders", Order(users[i], "[" + Line(mug, 1) + "]"));
        s.answered = Now();
        s.status = r.status;
        if (r.status == 201) {
          s.id = r.json()["orderId"].get<std::int64_t>();
          ++acknowledged;
        } else {
          s.code = r.json().value("code", "");
        }
        sent[i].push_back(s);
        if (after) break;
      }
    });
  }
  std::thread stopper([&] {
    HttpClient admin("127.0.0.1", server.port());
    start.Wait();
    auto give_up = Now() + std::chrono::seconds(60);
    while (acknowledged.load() < 300 && Now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop_sent = Now();
    stop_reply = admin.Post(StatusPath(mug), R"({"status":"STOPPED"})", {kAdmin});
    stop_answered = Now();
    stop_acked = true;
  });
  start.Go();
  for (auto& t : threads) t.join();
  stopper.join();
  REQUIRE(stop_reply.status == 200);
  CHECK(stop_reply.json()["status"] == "STOPPED");

  std::set<std::int64_t> accepted;
  int refused_after_ack = 0, sent_after_ack = 0;
  for (const auto& client : sent) {
    for (const auto& s : client) {
      INFO("status " << s.status << " " << s.code);
      // Only two answers are possible: placed, or refused because stopped.
      CHECK((s.status == 201 || (s.status == 409 && s.code == "PRODUCT_NOT_SELLABLE")));
      // Nothing is refused before the stop was asked for.
      if (s.status == 409) CHECK(s.answered > stop_sent);
      // Sent after the stop's acknowledgement: decided after the stop, refused.
      if (s.sent > stop_answered) {
        ++sent_after_ack;
        CHECK(s.status == 409);
        refused_after_ack += s.status == 409;
      }
      if (s.status == 201) accepted.insert(s.id);
    }
  }
  CHECK(sent_after_ack == kClients);  // every client sent one after it
  CHECK(refused_after_ack == kClients);
  CHECK(accepted.size() >= 300);

  // The log: the stop is one event; every order of the mug is before it,
  // and is exactly an order some client was told was placed.
  auto stops = EventsOf<ProductStatusChanged>(server.store(), [](const auto&) { return true; });
  REQUIRE(stops.size() == 1);
  GlobalPosition stop_position = stops[0].first;
  auto placed = EventsOf<OrderPlaced>(server.store(), [](const auto&) { return true; });
  std::set<std::int64_t> logged;
  for (const auto& [position, e] : placed) {
    CHECK(position < stop_position);
    logged.insert(e.order_id.value());
  }
  CHECK(logged == accepted);
  // Orders acknowledged before the stop still exist, and can be read.
  auto first = c.Get("/api/v1/orders/" + std::to_string(*accepted.begin()));
  CHECK(first.status == 200);
  CHECK(first.json()["status"] == "NOT_PAID");
  auto last = c.Get("/api/v1/orders/" + std::to_string(*accepted.rbegin()));
  CHECK(last.status == 200);
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] ==
        1000000 - static_cast<std::int64_t>(accepted.size()));
  CheckVerifyPasses(dir);
}

TEST_CASE("A coupon paused in a storm of 64 issuing clients refuses every issue sent after the pause is acknowledged",
          "[api][seeds][concurrency]") {
  std::string dir = TempDir("http-pause-storm");
  TestServer server(dir);
  auto c = server.Client();
  auto coupon = CreateCouponAs(c, R"({"name":"1000 off","discountType":"FIXED","discountValue":1000,"totalQuantity":100000})");
  constexpr int kClients = 64;

  std::atomic<int> issued{0};
  std::atomic<bool> pause_acked{false};
  SteadyTime pause_sent{}, pause_answered{};
  Response pause_reply;
  std::vector<std::vector<Sent>> sent(kClients);
  StartLine start;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server.port());
      REQUIRE(client.Get("/healthz").status == 200);
      start.Wait();
      // A new user per issue (a coupon goes once to each user).
      for (int n = 0; n < 200; ++n) {
        auto user = client.Post("/api/v1/users", R"({"name":"u"})");
        if (user.status != 201) {  // checked on the main thread (Catch2 asserts are not thread-safe)
          sent[i].push_back(Sent{.status = user.status, .code = "sign-up failed"});
          break;
        }
        bool after = pause_acked.load();
        Sent s{.sent = Now()};
        auto r = client.Post(CouponPath(coupon, "/issue"), UserBody(user.json()["userId"].get<std::int64_t>()));
        s.answered = Now();
        s.status = r.status;
        if (r.status == 201) {
          s.id = r.json()["userCouponId"].get<std::int64_t>();
          ++issued;
        } else {
          s.code = r.json().value("code", "");
        }
        sent[i].push_back(s);
        if (after) break;
      }
    });
  }
  std::thread pauser([&] {
    HttpClient admin("127.0.0.1", server.port());
    start.Wait();
    auto give_up = Now() + std::chrono::seconds(60);
    while (issued.load() < 200 && Now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    pause_sent = Now();
    pause_reply = admin.Post(AdminCouponPath(coupon, "/pause"), "", {kAdmin});
    pause_answered = Now();
    pause_acked = true;
  });
  start.Go();
  for (auto& t : threads) t.join();
  pauser.join();
  REQUIRE(pause_reply.status == 200);
  CHECK(pause_reply.json()["paused"] == true);

  std::set<std::int64_t> accepted;
  int sent_after_ack = 0;
  for (const auto& client : sent) {
    for (const auto& s : client) {
      INFO("status " << s.status << " " << s.code);
      CHECK((s.status == 201 || (s.status == 409 && s.code == "COUPON_NOT_ISSUABLE")));
      if (s.status == 409) CHECK(s.answered > pause_sent);
      if (s.sent > pause_answered) {
        ++sent_after_ack;
        CHECK(s.status == 409);
      }
      if (s.status == 201) accepted.insert(s.id);
    }
  }
  CHECK(sent_after_ack == kClients);
  CHECK(accepted.size() >= 200);

  auto pauses = EventsOf<CouponPaused>(server.store(), [](const auto&) { return true; });
  REQUIRE(pauses.size() == 1);
  auto logged_issues = EventsOf<CouponIssued>(server.store(), [](const auto&) { return true; });
  std::set<std::int64_t> logged;
  for (const auto& [position, e] : logged_issues) {
    CHECK(position < pauses[0].first);
    logged.insert(e.user_coupon_id.value());
  }
  CHECK(logged == accepted);
  auto shown = c.Get(CouponPath(coupon, ""));
  CHECK(shown.json()["paused"] == true);
  CHECK(shown.json()["remainingQuantity"] == 100000 - static_cast<std::int64_t>(accepted.size()));

  // Resumed, it issues again.
  auto resumed = c.Post(AdminCouponPath(coupon, "/resume"), "", {kAdmin});
  REQUIRE(resumed.status == 200);
  CHECK(resumed.json()["paused"] == false);
  auto late = CreateUser(c, "late");
  CHECK(c.Post(CouponPath(coupon, "/issue"), UserBody(late)).status == 201);
  CheckVerifyPasses(dir);
}

TEST_CASE("Pause and resume answer as the contract says", "[api][seeds][coupons]") {
  TestServer server(TempDir("http-pause"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto lee = CreateUser(c, "lee");
  auto coupon = CreateCouponAs(c, R"({"name":"1000 off","discountType":"FIXED","discountValue":1000,"totalQuantity":1})");
  CHECK(coupon["paused"] == false);
  CheckError(c.Post("/api/v1/admin/coupons/x/pause", "", {kAdmin}), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/coupons/999/pause", ""), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/coupons/999/pause", "", {kAdmin}), 404, "COUPON_NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/coupons/999/resume", "", {kAdmin}), 404, "COUPON_NOT_FOUND");
  REQUIRE(c.Post(CouponPath(coupon, "/issue"), UserBody(kim)).status == 201);
  auto paused = c.Post(AdminCouponPath(coupon, "/pause"), "", {kAdmin});
  REQUIRE(paused.status == 200);
  CHECK(paused.json()["paused"] == true);
  CHECK(c.Post(AdminCouponPath(coupon, "/pause"), "", {kAdmin}).json()["paused"] == true);  // again: no change
  // Already issued is checked first, then not issuable, then sold out.
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(kim)), 409, "COUPON_ALREADY_ISSUED");
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(lee)), 409, "COUPON_NOT_ISSUABLE");
  // The user's coupon shows it too.
  auto held = c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"];
  REQUIRE(held.size() == 1);
  CHECK(held[0]["paused"] == true);
  REQUIRE(c.Post(AdminCouponPath(coupon, "/resume"), "", {kAdmin}).status == 200);
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(lee)), 409, "COUPON_SOLD_OUT");
}

TEST_CASE("A coupon whose window opens a second ahead is refused before and issued after", "[api][seeds][coupons]") {
  constexpr TimeMs kStart = 1'900'000'000'000;  // 2030-03-17T17:46:40Z
  ManualClock clock(kStart);
  TestServer server(TempDir("http-window"), ServerConfig{.clock = &clock});
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto lee = CreateUser(c, "lee");
  // Opens one second from now, closes ten seconds from now.
  auto coupon = CreateCouponAs(c, R"({"name":"soon","discountType":"RATE","discountValue":10,"totalQuantity":5,)"
                                  R"("issueFrom":"2030-03-17T17:46:41Z","issueUntil":"2030-03-17T17:46:50Z"})");
  CHECK(coupon["issueFrom"] == "2030-03-17T17:46:41.000Z");
  CHECK(coupon["issueUntil"] == "2030-03-17T17:46:50.000Z");
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(kim)), 409, "COUPON_NOT_ISSUABLE");
  clock.Advance(999);
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(kim)), 409, "COUPON_NOT_ISSUABLE");
  clock.Advance(1);  // the window opens: issueFrom is inclusive
  auto issued = c.Post(CouponPath(coupon, "/issue"), UserBody(kim));
  REQUIRE(issued.status == 201);
  CHECK(issued.json()["issueFrom"] == "2030-03-17T17:46:41.000Z");
  clock.Advance(9'000);  // issueUntil is exclusive
  CheckError(c.Post(CouponPath(coupon, "/issue"), UserBody(lee)), 409, "COUPON_NOT_ISSUABLE");

  // Bad windows are the request's shape.
  CheckError(c.Post("/api/v1/admin/coupons",
                    R"({"name":"x","discountType":"RATE","discountValue":10,"totalQuantity":5,"issueFrom":"tomorrow"})",
                    {kAdmin}),
             400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/coupons",
                    R"({"name":"x","discountType":"RATE","discountValue":10,"totalQuantity":5,)"
                    R"("issueFrom":"2030-03-17T17:46:50Z","issueUntil":"2030-03-17T17:46:41Z"})",
                    {kAdmin}),
             400, "INVALID_REQUEST");
}

TEST_CASE("Product-bound coupons discount only the lines they cover", "[api][seeds][coupons][orders]") {
  TestServer server(TempDir("http-product-coupons"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":1000000})").status == 200);
  auto coffee = CreateProductAs(c, R"({"name":"Coffee","price":10000,"stock":100})");
  auto tea = CreateProductAs(c, R"({"name":"Tea","price":3000,"stock":100})");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":7000,"stock":100})");
  auto bound = [&](const std::string& type, int value, const std::string& products) {
    auto coupon = CreateCouponAs(c, R"({"name":"bound","discountType":")" + type + R"(","discountValue":)" +
                                        std::to_string(value) + R"(,"totalQuantity":10,"productIds":)" + products + "}");
    REQUIRE(c.Post(CouponPath(coupon, "/issue"), UserBody(kim)).status == 201);
    return coupon;
  };
  auto with_coupon = [](const nlohmann::json& coupon) { return R"(,"couponId":)" + Id(coupon["couponId"]); };

  // Unknown products, and badly typed lists, are refused at creation.
  CheckError(c.Post("/api/v1/admin/coupons",
                    R"({"name":"x","discountType":"FIXED","discountValue":10,"totalQuantity":5,"productIds":[999]})",
                    {kAdmin}),
             404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/coupons",
                    R"({"name":"x","discountType":"FIXED","discountValue":10,"totalQuantity":5,"productIds":["1"]})",
                    {kAdmin}),
             400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/coupons",
                    R"({"name":"x","discountType":"FIXED","discountValue":10,"totalQuantity":5,"productIds":3})",
                    {kAdmin}),
             400, "INVALID_REQUEST");

  SECTION("FIXED over mixed lines: the matching lines' sum, not the order's") {
    auto coupon = bound("FIXED", 5000, "[" + Id(tea["productId"]) + "]");
    CHECK(coupon["productIds"] == nlohmann::json::array({tea["productId"]}));
    auto r = c.Post("/api/v1/orders",
                    Order(kim, "[" + Line(coffee, 1) + "," + Line(tea, 1) + "," + Line(mug, 1) + "]", with_coupon(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["totalAmount"] == 20000);
    CHECK(r.json()["discountAmount"] == 3000);  // capped at the tea line (3,000), not at the order (20,000)
    CHECK(r.json()["payAmount"] == 17000);
  }
  SECTION("FIXED under the matching lines' sum is taken whole") {
    auto coupon = bound("FIXED", 5000, "[" + Id(coffee["productId"]) + "," + Id(tea["productId"]) + "]");
    auto r = c.Post("/api/v1/orders", Order(kim, "[" + Line(coffee, 1) + "," + Line(mug, 2) + "]", with_coupon(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["discountAmount"] == 5000);
    CHECK(r.json()["payAmount"] == 19000);
  }
  SECTION("RATE over mixed lines: a percent of the matching lines, rounded down") {
    auto coupon = bound("RATE", 15, "[" + Id(tea["productId"]) + "," + Id(mug["productId"]) + "]");
    auto r = c.Post("/api/v1/orders",
                    Order(kim, "[" + Line(coffee, 2) + "," + Line(tea, 1) + "," + Line(mug, 1) + "]", with_coupon(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["totalAmount"] == 30000);
    CHECK(r.json()["discountAmount"] == 1500);  // 15% of 10,000 (tea + mug)
    // Paid, the order keeps its amounts.
    auto paid = c.Post("/api/v1/payments", R"({"orderId":)" + Id(r.json()["orderId"]) + R"(,"userId":)" + Id(kim) + "}");
    REQUIRE(paid.status == 201);
    CHECK(paid.json()["amount"] == 28500);
  }
  SECTION("RATE 100 on one line frees that line only") {
    auto coupon = bound("RATE", 100, "[" + Id(mug["productId"]) + "]");
    auto r = c.Post("/api/v1/orders", Order(kim, "[" + Line(coffee, 1) + "," + Line(mug, 3) + "]", with_coupon(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["discountAmount"] == 21000);
    CHECK(r.json()["payAmount"] == 10000);
  }
  SECTION("An order with no matching line is refused and reserves nothing") {
    auto coupon = bound("FIXED", 1000, "[" + Id(mug["productId"]) + "]");
    CheckError(c.Post("/api/v1/orders", Order(kim, "[" + Line(coffee, 1) + "," + Line(tea, 2) + "]", with_coupon(coupon))),
               409, "COUPON_NOT_USABLE");
    CHECK(c.Get("/api/v1/products/" + Id(coffee["productId"])).json()["stock"] == 100);
    CHECK(c.Get("/api/v1/products/" + Id(tea["productId"])).json()["stock"] == 100);
    auto held = c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"];
    REQUIRE(held.size() == 1);
    CHECK(held[0]["status"] == "ISSUED");
    CHECK(held[0]["productIds"] == nlohmann::json::array({mug["productId"]}));
    // With a matching line it goes on an order after all.
    CHECK(c.Post("/api/v1/orders", Order(kim, "[" + Line(mug, 1) + "]", with_coupon(coupon))).status == 201);
  }
}
