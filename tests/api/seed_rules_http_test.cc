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
#include "tests/support/storm.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::string StatusPath(const nlohmann::json& product) {
  return "/api/v1/admin/products/" + Id(product["productId"]) + "/status";
}

std::string CouponPath(const nlohmann::json& coupon, const std::string& tail) {
  return "/api/v1/coupons/" + Id(coupon["couponId"]) + tail;
}

std::string AdminCouponPath(const nlohmann::json& coupon, const std::string& tail) {
  return "/api/v1/admin/coupons/" + Id(coupon["couponId"]) + tail;
}

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

// The ids (`id_of`) of the logged events of type E, each checked to stand
// before `limit` in the log.
template <class E, class IdOf>
std::set<std::int64_t> LoggedBefore(const EventStore& log, GlobalPosition limit, IdOf id_of) {
  std::set<std::int64_t> ids;
  for (const auto& [position, e] : EventsOf<E>(log, [](const auto&) { return true; })) {
    CHECK(position < limit);
    ids.insert(id_of(e));
  }
  return ids;
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
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, OneLine(mug, 1))), 409, "PRODUCT_NOT_SELLABLE");
  CHECK(c.Get("/api/v1/users/" + Id(kim) + "/cart").json()["items"].size() == 1);
  CheckError(c.Post("/api/v1/orders", OrderBody(kim, OneLine(cup, 1))), 409, "PRODUCT_NOT_SELLABLE");
  CHECK(c.Get("/api/v1/products/" + Id(mug["productId"])).json()["stock"] == 10);  // nothing reserved

  auto again = c.Post(StatusPath(mug), R"({"status":"ON_SALE"})", {kAdmin});
  REQUIRE(again.status == 200);
  CHECK(again.json()["status"] == "ON_SALE");
  CHECK(c.Get("/api/v1/products").json()["items"].size() == 1);
  CHECK(c.Post("/api/v1/orders", OrderBody(kim, OneLine(mug, 1))).status == 201);
}

TEST_CASE("A product stopped in a storm of 64 ordering clients refuses every order sent after the stop is acknowledged",
          "[api][seeds][concurrency]") {
  std::string dir = TempDir("http-stop-storm");
  TestServer server(dir);
  auto c = server.Client();
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":1000,"stock":1000000})");
  constexpr int kClients = 64;
  auto users = CreateUsers(c, kClients);

  std::atomic<int> acknowledged{0};
  Interruption stop;
  std::vector<std::vector<Sent>> sent(kClients);
  RaceInterrupted(
      server, kClients, stop, [&] { return acknowledged.load() >= 300; },
      [&](HttpClient& admin) { return admin.Post(StatusPath(mug), R"({"status":"STOPPED"})", {kAdmin}); },
      [&](HttpClient& client, int i) {
        // Orders until one order has left after the stop's acknowledgement
        // came back (at most 400 each, so a broken stop cannot hang the test).
        auto order = [&] { return client.Post("/api/v1/orders", OrderBody(users[i], OneLine(mug, 1))); };
        for (int n = 0; n < 400 && SendOnce(stop, sent[i], acknowledged, order, "orderId"); ++n) {
        }
      });
  CHECK(Acknowledged(stop)["status"] == "STOPPED");

  auto answers = CheckStormAnswers(sent, stop, "PRODUCT_NOT_SELLABLE");
  const auto& accepted = answers.accepted;
  CHECK(answers.sent_after_ack == kClients);  // every client sent one after it
  CHECK(answers.refused_after_ack == kClients);
  CHECK(accepted.size() >= 300);

  // The log: the stop is one event; every order of the mug is before it,
  // and is exactly an order some client was told was placed.
  auto stops = EventsOf<ProductStatusChanged>(server.store(), [](const auto&) { return true; });
  REQUIRE(stops.size() == 1);
  GlobalPosition stop_position = stops[0].first;
  CHECK(LoggedBefore<OrderPlaced>(server.store(), stop_position, [](const auto& e) { return e.order_id.value(); }) ==
        accepted);
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
  Interruption pause;
  std::vector<std::vector<Sent>> sent(kClients);
  RaceInterrupted(
      server, kClients, pause, [&] { return issued.load() >= 200; },
      [&](HttpClient& admin) { return admin.Post(AdminCouponPath(coupon, "/pause"), "", {kAdmin}); },
      [&](HttpClient& client, int i) {
        // A new user per issue (a coupon goes once to each user).
        for (int n = 0; n < 200; ++n) {
          auto user = client.Post("/api/v1/users", R"({"name":"u"})");
          if (user.status != 201) {  // checked on the main thread (Catch2 asserts are not thread-safe)
            sent[i].push_back(Sent{.status = user.status, .code = "sign-up failed"});
            break;
          }
          auto issue = [&] {
            return client.Post(CouponPath(coupon, "/issue"), UserBody(user.json()["userId"].get<std::int64_t>()));
          };
          if (!SendOnce(pause, sent[i], issued, issue, "userCouponId")) break;
        }
      });
  CHECK(Acknowledged(pause)["paused"] == true);

  auto answers = CheckStormAnswers(sent, pause, "COUPON_NOT_ISSUABLE");
  CHECK(answers.sent_after_ack == kClients);
  CHECK(answers.accepted.size() >= 200);

  auto pauses = EventsOf<CouponPaused>(server.store(), [](const auto&) { return true; });
  REQUIRE(pauses.size() == 1);
  CHECK(LoggedBefore<CouponIssued>(server.store(), pauses[0].first,
                                   [](const auto& e) { return e.user_coupon_id.value(); }) == answers.accepted);
  auto shown = c.Get(CouponPath(coupon, ""));
  CHECK(shown.json()["paused"] == true);
  CHECK(shown.json()["remainingQuantity"] == 100000 - static_cast<std::int64_t>(answers.accepted.size()));

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
  Charge(c, kim, 1000000);
  auto coffee = CreateProductAs(c, R"({"name":"Coffee","price":10000,"stock":100})");
  auto tea = CreateProductAs(c, R"({"name":"Tea","price":3000,"stock":100})");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":7000,"stock":100})");
  auto bound = [&](const std::string& type, int value, const std::string& products) {
    auto coupon = CreateCouponAs(c, R"({"name":"bound","discountType":")" + type + R"(","discountValue":)" +
                                        std::to_string(value) + R"(,"totalQuantity":10,"productIds":)" + products + "}");
    IssueCouponTo(c, coupon, kim);
    return coupon;
  };

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
                    OrderBody(kim, "[" + LineBody(coffee, 1) + "," + LineBody(tea, 1) + "," + LineBody(mug, 1) + "]", CouponField(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["totalAmount"] == 20000);
    CHECK(r.json()["discountAmount"] == 3000);  // capped at the tea line (3,000), not at the order (20,000)
    CHECK(r.json()["payAmount"] == 17000);
  }
  SECTION("FIXED under the matching lines' sum is taken whole") {
    auto coupon = bound("FIXED", 5000, "[" + Id(coffee["productId"]) + "," + Id(tea["productId"]) + "]");
    auto r = c.Post("/api/v1/orders", OrderBody(kim, "[" + LineBody(coffee, 1) + "," + LineBody(mug, 2) + "]", CouponField(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["discountAmount"] == 5000);
    CHECK(r.json()["payAmount"] == 19000);
  }
  SECTION("RATE over mixed lines: a percent of the matching lines, rounded down") {
    auto coupon = bound("RATE", 15, "[" + Id(tea["productId"]) + "," + Id(mug["productId"]) + "]");
    auto r = c.Post("/api/v1/orders",
                    OrderBody(kim, "[" + LineBody(coffee, 2) + "," + LineBody(tea, 1) + "," + LineBody(mug, 1) + "]", CouponField(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["totalAmount"] == 30000);
    CHECK(r.json()["discountAmount"] == 1500);  // 15% of 10,000 (tea + mug)
    // Paid, the order keeps its amounts.
    auto paid = c.Post("/api/v1/payments", PayBody(r.json()["orderId"], kim));
    REQUIRE(paid.status == 201);
    CHECK(paid.json()["amount"] == 28500);
  }
  SECTION("RATE 100 on one line frees that line only") {
    auto coupon = bound("RATE", 100, "[" + Id(mug["productId"]) + "]");
    auto r = c.Post("/api/v1/orders", OrderBody(kim, "[" + LineBody(coffee, 1) + "," + LineBody(mug, 3) + "]", CouponField(coupon)));
    REQUIRE(r.status == 201);
    CHECK(r.json()["discountAmount"] == 21000);
    CHECK(r.json()["payAmount"] == 10000);
  }
  SECTION("An order with no matching line is refused and reserves nothing") {
    auto coupon = bound("FIXED", 1000, "[" + Id(mug["productId"]) + "]");
    CheckError(c.Post("/api/v1/orders", OrderBody(kim, "[" + LineBody(coffee, 1) + "," + LineBody(tea, 2) + "]", CouponField(coupon))),
               409, "COUPON_NOT_USABLE");
    CHECK(c.Get("/api/v1/products/" + Id(coffee["productId"])).json()["stock"] == 100);
    CHECK(c.Get("/api/v1/products/" + Id(tea["productId"])).json()["stock"] == 100);
    auto held = c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"];
    REQUIRE(held.size() == 1);
    CHECK(held[0]["status"] == "ISSUED");
    CHECK(held[0]["productIds"] == nlohmann::json::array({mug["productId"]}));
    // With a matching line it goes on an order after all.
    CHECK(c.Post("/api/v1/orders", OrderBody(kim, "[" + LineBody(mug, 1) + "]", CouponField(coupon))).status == 201);
  }
}
