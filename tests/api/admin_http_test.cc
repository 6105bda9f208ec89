// Operations over HTTP: metrics, projection status, online rebuild.
#include <catch2/catch.hpp>
#include <atomic>
#include <thread>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

TEST_CASE("GET /metrics speaks Prometheus text with the promised series", "[api][metrics]") {
  TestServer server(TempDir("http-metrics"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":100})").status == 200);
  REQUIRE(c.Post("/api/v1/points/" + Id(kim) + "/charge", R"({"amount":0})").status == 400);
  REQUIRE(c.Get("/nowhere").status == 404);
  auto r = c.Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"].starts_with("text/plain"));
  for (const char* series : {"eventmart_http_requests_total{route=\"/api/v1/users\",status=\"201\"} 1",
                             "eventmart_http_requests_total{route=\"/api/v1/points/{}/charge\",status=\"400\"} 1",
                             "eventmart_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
                             "eventmart_http_request_seconds_bucket{route=\"/api/v1/points/{}/charge\",le=\"+Inf\"} 2",
                             "eventmart_commands_total{command=\"ChargePoints\",status=\"200\"} 1",
                             "eventmart_commit_seconds_count", "eventmart_commit_group_appends_bucket",
                             "eventmart_log_head_position 2", "eventmart_projection_position{projection=\"balances\"}",
                             "eventmart_projection_lag{projection=\"orders\"}", "eventmart_open_connections 1"}) {
    INFO(series);
    CHECK(r.body.find(series) != std::string::npos);
  }
}

TEST_CASE("Admins see each projection's position, lag and state", "[api][admin]") {
  TestServer server(TempDir("http-projections"));
  auto c = server.Client();
  CreateUser(c, "kim");
  CheckError(c.Get("/api/v1/admin/projections"), 401, "UNAUTHORIZED");
  auto r = c.Get("/api/v1/admin/projections", {kAdmin});
  REQUIRE(r.status == 200);
  auto body = r.json();
  auto items = body["items"];
  REQUIRE(items.size() == 6);
  for (auto& item : items) {
    CHECK(item["position"] == 1);
    CHECK(item["lag"] == 0);
    CHECK(item["state"] == "live");
  }
  CheckError(c.Post("/api/v1/admin/projections/nope/rebuild", "", {kAdmin}), 404, "NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/projections/balances/rebuild", ""), 401, "UNAUTHORIZED");
}

TEST_CASE("An online rebuild swaps in a complete copy and queries never see a half-built one", "[api][admin][rebuild]") {
  TestServer server(TempDir("http-online-rebuild"));
  auto c = server.Client();
  auto users = CreateUsers(c, 40);
  auto mug = CreateProductAs(c, R"({"name":"Mug","options":[{"name":"a","price":10,"stock":100000},{"name":"b","price":10,"stock":100000}]})");
  std::string both_options = "[" + OptionLine(mug, 0, 1) + "," + OptionLine(mug, 1, 2) + "]";
  for (auto user : users) {
    Charge(c, user, 5000);
    for (int k = 0; k < 5; ++k) REQUIRE(c.Post("/api/v1/orders", OrderBody(user, both_options, R"(,"pay":true)")).status == 201);
  }
  auto expected_best = c.Get("/api/v1/products/best").json()["items"];
  REQUIRE(expected_best[0]["soldQuantity"] == 40 * 5 * 3);

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, reads{0};
  std::thread reader([&] {
    HttpClient r("127.0.0.1", server.port());
    while (!stop) {
      for (auto user : {users.front(), users.back()}) {
        auto balance = r.Get("/api/v1/points/" + Id(user));
        auto history = r.Get("/api/v1/points/" + Id(user) + "/history?limit=100");
        auto best = r.Get("/api/v1/products/best");
        ++reads;
        if (balance.status != 200 || balance.json()["balance"] != 5000 - 5 * 30 ||
            history.json()["items"].size() != 6 || best.json()["items"] != expected_best) {
          ++wrong;
        }
      }
    }
  });
  for (const char* name : {"balances", "bestsellers", "orders"}) {
    auto started = c.Post(std::string("/api/v1/admin/projections/") + name + "/rebuild", "", {kAdmin});
    INFO(name << ": " << started.body);
    REQUIRE(started.status == 202);
    bool done = false;
    for (int i = 0; i < 500 && !done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      done = true;
      auto status = c.Get("/api/v1/admin/projections", {kAdmin}).json();
      for (auto& item : status["items"]) done = done && item["state"] == "live";
    }
    INFO(c.Get("/api/v1/admin/projections", {kAdmin}).body);
    CHECK(done);
  }
  stop = true;
  reader.join();
  CHECK(reads > 0);
  CHECK(wrong == 0);
  CHECK(c.Get("/api/v1/products/best").json()["items"] == expected_best);
  CHECK(c.Get("/api/v1/orders?userId=" + Id(users[3])).json()["items"].size() == 5);
  // New commands still land in the rebuilt copies.
  REQUIRE(c.Post("/api/v1/points/" + Id(users[0]) + "/charge", R"({"amount":1})").status == 200);
  CHECK(c.Get("/api/v1/points/" + Id(users[0])).json()["balance"] == 5000 - 150 + 1);
}

TEST_CASE("Asking to rebuild a projection that is already rebuilding answers 202 with its state", "[api][admin][rebuild]") {
  TestServer server(TempDir("http-rebuild-twice"));
  auto c = server.Client();
  for (int i = 0; i < 20; ++i) CreateUser(c, "u" + std::to_string(i));
  auto first = c.Post("/api/v1/admin/projections/balances/rebuild", "", {kAdmin});
  REQUIRE(first.status == 202);
  CHECK(first.json()["state"] == "rebuilding");
  // Whether the first is still running (202 with its state) or has just
  // ended (a new one starts), the answer is never a conflict.
  auto again = c.Post("/api/v1/admin/projections/balances/rebuild", "", {kAdmin});
  INFO(again.body);
  REQUIRE(again.status == 202);
  CHECK(again.json()["name"] == "balances");
  CHECK(again.json()["state"] == "rebuilding");
}

namespace {

// The answers of every read model for the given users, to compare before and after rebuilds.
nlohmann::json ReadModelAnswers(HttpClient& c, const std::vector<std::int64_t>& users) {
  nlohmann::json out;
  out["products"] = c.Get("/api/v1/products").json();
  out["best"] = c.Get("/api/v1/products/best").json()["items"];  // without its window, which moves with the clock
  out["adminCoupons"] = c.Get("/api/v1/admin/coupons", {kAdmin}).json();
  for (auto user : users) {
    auto& u = out[Id(user)];
    u["balance"] = c.Get("/api/v1/points/" + Id(user)).json();
    u["history"] = c.Get("/api/v1/points/" + Id(user) + "/history?limit=100").json();
    u["orders"] = c.Get("/api/v1/orders?userId=" + Id(user)).json();
    u["coupons"] = c.Get("/api/v1/coupons?userId=" + Id(user) + "&status=ALL").json();
    u["cart"] = c.Get("/api/v1/users/" + Id(user) + "/cart").json();
  }
  return out;
}

// Polls the admin route until every projection is live and at the log's head.
bool AllLiveAndCaughtUp(HttpClient& c, nlohmann::json* last) {
  for (int i = 0; i < 1000; ++i) {
    *last = c.Get("/api/v1/admin/projections", {kAdmin}).json();
    bool done = true;
    for (auto& item : (*last)["items"]) done = done && item["state"] == "live" && item["position"] == (*last)["head"];
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("Rebuilding all, then five more requests in a row: all accepted, queued or folded together, and done", "[api][admin][rebuild]") {
  TestServer server(TempDir("http-rebuild-all"));
  auto c = server.Client();
  auto users = CreateUsers(c, 30);
  auto mug = CreateProductAs(c, R"({"name":"Mug","options":[{"name":"a","price":10,"stock":100000},{"name":"b","price":20,"stock":100000}]})");
  auto coupon = CreateCouponAs(c, R"({"name":"Ten","discountType":"FIXED","discountValue":10,"totalQuantity":20})");
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto user = users[i];
    Charge(c, user, 5000);
    if (i % 2 == 0) IssueCouponTo(c, coupon, user);
    for (int k = 0; k < 3; ++k) {
      REQUIRE(c.Post("/api/v1/orders", OrderBody(user, "[" + OptionLine(mug, k % 2, 1 + k) + "]", R"(,"pay":true)")).status == 201);
    }
    REQUIRE(c.Post("/api/v1/users/" + Id(user) + "/cart/items", OptionLine(mug, 1, 2)).status == 200);
  }
  auto before = ReadModelAnswers(c, users);
  REQUIRE_FALSE(before["best"].empty());

  auto all = c.Post("/api/v1/admin/projections/all/rebuild", "", {kAdmin});
  INFO(all.body);
  REQUIRE(all.status == 202);
  const auto all_json = all.json();  // held: a range-for over a temporary's member would dangle
  REQUIRE(all_json["items"].size() == 6);
  for (const auto& st : all_json["items"]) {
    CHECK((st["state"] == "rebuilding" || st["state"] == "queued"));
    CHECK(st["name"].is_string());
  }
  // Five more in a row: each is already queued or rebuilding, or queued
  // behind the pass under way; never a conflict.
  for (const char* name : {"balances", "all", "orders", "bestsellers", "all"}) {
    auto again = c.Post(std::string("/api/v1/admin/projections/") + name + "/rebuild", "", {kAdmin});
    INFO(name << ": " << again.body);
    REQUIRE(again.status == 202);
    if (std::string_view(name) == "all") {
      CHECK(again.json()["items"].size() == 6);
    } else {
      CHECK(again.json()["name"] == name);
      CHECK((again.json()["state"] == "rebuilding" || again.json()["state"] == "queued" || again.json()["state"] == "live"));
    }
  }
  // A command meanwhile lands in whichever copy serves, and survives the swaps.
  REQUIRE(c.Post("/api/v1/points/" + Id(users[0]) + "/charge", R"({"amount":7})").status == 200);

  nlohmann::json status;
  bool done = AllLiveAndCaughtUp(c, &status);
  INFO(status.dump());
  REQUIRE(done);
  auto after = ReadModelAnswers(c, users);
  CHECK(after[Id(users[0])]["balance"]["balance"] == before[Id(users[0])]["balance"]["balance"].get<std::int64_t>() + 7);
  CHECK(after[Id(users[0])]["history"]["items"].size() == before[Id(users[0])]["history"]["items"].size() + 1);
  // Apart from that command, every answer is what it was.
  after[Id(users[0])]["balance"] = before[Id(users[0])]["balance"];
  after[Id(users[0])]["history"] = before[Id(users[0])]["history"];
  auto was = before.flatten(), is = after.flatten();
  for (auto& [path, value] : was.items()) {
    INFO(path);
    CHECK(is[path] == value);
  }
  CHECK(is.size() == was.size());
  // And the rebuilt copies go on following the log.
  REQUIRE(c.Post("/api/v1/points/" + Id(users[1]) + "/charge", R"({"amount":3})").status == 200);
  CHECK(c.Get("/api/v1/points/" + Id(users[1])).json()["balance"] == before[Id(users[1])]["balance"]["balance"].get<std::int64_t>() + 3);
}

TEST_CASE("A rebuild asked for while another runs is queued, then done", "[api][admin][rebuild]") {
  TestServer server(TempDir("http-rebuild-queued"));
  auto c = server.Client();
  for (int i = 0; i < 20; ++i) CreateUser(c, "u" + std::to_string(i));
  REQUIRE(c.Post("/api/v1/admin/projections/balances/rebuild", "", {kAdmin}).status == 202);
  auto orders = c.Post("/api/v1/admin/projections/orders/rebuild", "", {kAdmin});
  INFO(orders.body);
  REQUIRE(orders.status == 202);
  CHECK(orders.json()["name"] == "orders");
  // Queued behind balances, or started with it if the projector had not picked balances up yet.
  CHECK((orders.json()["state"] == "queued" || orders.json()["state"] == "rebuilding"));
  CheckError(c.Post("/api/v1/admin/projections/nope/rebuild", "", {kAdmin}), 404, "NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/projections/all/rebuild", ""), 401, "UNAUTHORIZED");
  nlohmann::json status;
  bool done = AllLiveAndCaughtUp(c, &status);
  INFO(status.dump());
  CHECK(done);
}

SCENARIO("A projection stopped by an undecodable event shows failed everywhere an operator looks", "[api][admin][errors]") {
  GIVEN("a server whose log receives a PointsCharged this build cannot decode") {
    TestServer server(TempDir("http-projection-failed"));
    auto c = server.Client();
    CreateUser(c, "kim");
    REQUIRE(c.Get("/readyz").status == 200);
    EventRecord broken{.id = NewEventId(1), .type = "account.PointsCharged", .schema_version = 1,
                       .occurred_at_ms = 1, .correlation_id = {}, .causation_id = {}, .body = "\x01"};
    AppendRequest request;
    request.streams.push_back({"account-99", ExpectedVersion::Any(), {broken}});
    auto appended = server.store().Append(request);
    REQUIRE(appended);

    WHEN("the projector reaches it") {
      // The users-only projections go past it; balances stop before it.
      bool seen = false;
      for (int i = 0; i < 500 && !seen; ++i) {
        seen = server.projector().failed();
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      REQUIRE(seen);

      THEN("the admin route shows balances failed with the cause, metrics count it, and /readyz answers 503") {
        auto body = c.Get("/api/v1/admin/projections", {kAdmin}).json();
        bool found = false;
        for (auto& item : body["items"]) {
          if (item["name"] != "balances") continue;
          found = true;
          CHECK(item["state"] == "failed");
          CHECK(item["position"] == appended->first_position - 1);
          CHECK(item["error"].get<std::string>().find("position " + std::to_string(appended->first_position)) !=
                std::string::npos);
        }
        CHECK(found);
        auto metrics = c.Get("/metrics").body;
        CHECK(metrics.find("eventmart_projection_failed{projection=\"balances\"} 1") != std::string::npos);
        CHECK(metrics.find("eventmart_projection_failed{projection=\"orders\"} 0") != std::string::npos);
        CheckError(c.Get("/readyz"), 503, "NOT_READY");
      }
    }
  }
}

TEST_CASE("A single server answers the cluster route as the leader of one, and positions its command answers",
          "[api][cluster]") {
  TestServer server(TempDir("http-cluster-of-one"));
  auto c = server.Client();
  // Given two commands, each answer names the position that covers it
  auto created = c.Post("/api/v1/users", R"({"name":"kim"})");
  REQUIRE(created.status == 201);
  CHECK(created.headers["eventmart-position"] == "1");
  auto charged = c.Post("/api/v1/points/" + Id(created.json()["userId"]) + "/charge", R"({"amount":5})");
  CHECK(charged.headers["eventmart-position"] == "2");
  // And a query can wait for a position it has, and not for one it has not
  auto read = c.Get("/api/v1/points/" + Id(created.json()["userId"]), {"EventMart-Min-Position: 2"});
  CHECK(read.status == 200);
  CheckError(c.Get("/api/v1/points/1", {"EventMart-Min-Position: -1"}), 400, "INVALID_REQUEST");

  // When an admin asks for the cluster
  CheckError(c.Get("/api/v1/admin/cluster"), 401, "UNAUTHORIZED");
  auto r = c.Get("/api/v1/admin/cluster", {kAdmin});

  // Then it is a cluster of one that this node leads, at the log's head
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["role"] == "leader");
  CHECK(j["leaderId"] == j["nodeId"]);
  CHECK(j["commitPosition"] == 2);
  CHECK(j["appliedPosition"] == 2);
  REQUIRE(j["members"].size() == 1);
  CHECK(j["members"][0]["role"] == "leader");
  CHECK(j["members"][0]["lagMs"] == 0);
}
