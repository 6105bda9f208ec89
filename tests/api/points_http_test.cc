// Users and points over real HTTP, as a client sees them.
#include <catch2/catch.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "projections/keys.h"
#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::string ChargeBody(long long amount) { return R"({"amount":)" + std::to_string(amount) + "}"; }

}  // namespace

TEST_CASE("A user signs up, charges points and reads balance and history", "[api][points]") {
  TestServer server(TempDir("http-points"));
  auto c = server.Client();
  auto created = c.Post("/api/v1/users", R"({"name":"kim"})");
  REQUIRE(created.status == 201);
  CHECK(created.json()["name"] == "kim");
  auto id = std::to_string(created.json()["userId"].get<std::int64_t>());

  auto balance = c.Get("/api/v1/points/" + id);
  REQUIRE(balance.status == 200);
  CHECK(balance.json() == nlohmann::json{{"userId", std::stoll(id)}, {"balance", 0}});

  auto charged = c.Post("/api/v1/points/" + id + "/charge", ChargeBody(1500));
  REQUIRE(charged.status == 200);
  CHECK(charged.json()["balance"] == 1500);

  // Read your writes: another client, right away.
  auto other = server.Client();
  CHECK(other.Get("/api/v1/points/" + id).json()["balance"] == 1500);
  auto history = other.Get("/api/v1/points/" + id + "/history");
  REQUIRE(history.status == 200);
  auto items = history.json()["items"];
  REQUIRE(items.size() == 1);
  CHECK(items[0]["type"] == "CHARGE");
  CHECK(items[0]["amount"] == 1500);
  CHECK(items[0]["balanceAfter"] == 1500);
  CHECK_FALSE(items[0].contains("orderId"));
  CHECK(items[0]["occurredAt"].get<std::string>().ends_with("Z"));
  CHECK(history.json()["nextCursor"].is_null());
}

TEST_CASE("History pages newest first with an opaque cursor", "[api][points]") {
  TestServer server(TempDir("http-history"));
  auto c = server.Client();
  auto id = std::to_string(CreateUser(c, "lee"));
  for (int i = 1; i <= 45; ++i) REQUIRE(c.Post("/api/v1/points/" + id + "/charge", ChargeBody(i)).status == 200);
  std::vector<long long> amounts;
  std::string path = "/api/v1/points/" + id + "/history";
  std::string cursor;
  int pages = 0;
  do {
    auto r = c.Get(path + (cursor.empty() ? "" : "?cursor=" + cursor));
    REQUIRE(r.status == 200);
    auto body = r.json();
    for (auto& item : body["items"]) amounts.push_back(item["amount"].get<long long>());
    cursor = body["nextCursor"].is_null() ? "" : body["nextCursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty());
  CHECK(pages == 3);
  REQUIRE(amounts.size() == 45);
  for (int i = 0; i < 45; ++i) CHECK(amounts[i] == 45 - i);
  CHECK(c.Get(path + "?limit=100").json()["items"].size() == 45);
  CHECK(c.Get(path + "?limit=7").json()["items"].size() == 7);
  CheckError(c.Get(path + "?limit=0"), 400, "INVALID_REQUEST");
  CheckError(c.Get(path + "?limit=101"), 400, "INVALID_REQUEST");
  CheckError(c.Get(path + "?limit=ten"), 400, "INVALID_REQUEST");
  CheckError(c.Get(path + "?cursor=bogus"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/points/9999/history"), 404, "USER_NOT_FOUND");
}

TEST_CASE("Bad input gets the contract's error and writes nothing", "[api][validation]") {
  TestServer server(TempDir("http-validation"), {.max_balance = 10'000});
  auto c = server.Client();
  auto id = std::to_string(CreateUser(c, "park"));
  auto charge = "/api/v1/points/" + id + "/charge";
  auto before = server.store().LastPosition();

  CheckError(c.Post(charge, "{not json"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, "[1,2]"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, "{}"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, R"({"amount":"100"})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, R"({"amount":1.5})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, R"({"amount":null})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, R"({"amount":0})"), 400, "INVALID_AMOUNT");
  CheckError(c.Post(charge, R"({"amount":-100})"), 400, "INVALID_AMOUNT");
  CheckError(c.Post(charge, R"({"amount":9223372036854775808})"), 400, "INVALID_AMOUNT");
  CheckError(c.Post(charge, R"({"amount":99999999999999999999999})"), 400, "INVALID_AMOUNT");
  CheckError(c.Post(charge, R"({"amount":10001})"), 409, "BALANCE_LIMIT_EXCEEDED");
  CheckError(c.Post("/api/v1/points/abc/charge", ChargeBody(1)), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/points/0/charge", ChargeBody(1)), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/points/-3/charge", ChargeBody(1)), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/points/99999999999999999999/charge", ChargeBody(1)), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/points/424242/charge", ChargeBody(1)), 404, "USER_NOT_FOUND");
  CheckError(c.Get("/api/v1/points/424242"), 404, "USER_NOT_FOUND");
  CheckError(c.Post("/api/v1/users", R"({"name":""})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/users", R"({"name":42})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/users", R"({"nom":"kim"})"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/nothing-here"), 404, "NOT_FOUND");
  CheckError(c.Send("DELETE", "/api/v1/users", "", {}), 405, "METHOD_NOT_ALLOWED");
  CheckError(c.Send("PUT", charge, ChargeBody(1), {}), 405, "METHOD_NOT_ALLOWED");
  CheckError(c.Post(charge, ChargeBody(1), {"Idempotency-Key: has space"}), 400, "INVALID_REQUEST");
  CheckError(c.Post(charge, ChargeBody(1), {"Idempotency-Key: " + std::string(256, 'k')}), 400, "INVALID_REQUEST");
  CHECK(server.store().LastPosition() == before);
  CHECK(c.Get("/api/v1/points/" + id).json()["balance"] == 0);
}

TEST_CASE("Oversize and malformed HTTP is refused, never crashes", "[api][limits]") {
  TestServer server(TempDir("http-limits"));
  {
    auto c = server.Client();
    std::string big = R"({"name":")" + std::string(70 * 1024, 'x') + R"("})";
    CheckError(c.Post("/api/v1/users", big), 413, "PAYLOAD_TOO_LARGE");
  }
  {
    auto c = server.Client();
    CheckError(c.Get("/healthz", {"X-Big: " + std::string(20 * 1024, 'h')}), 431, "HEADERS_TOO_LARGE");
  }
  {
    auto c = server.Client();
    auto r = c.Raw("THIS IS NOT HTTP\r\n\r\n");
    CHECK(r.status == 400);
  }
  {
    auto c = server.Client();
    auto r = c.Raw("POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n");
    CHECK(r.status >= 400);
    CHECK(r.status < 500);
  }
  auto c = server.Client();
  CHECK(c.Get("/healthz").json()["status"] == "ok");
  CHECK(c.Get("/readyz").status == 200);
  CHECK(server.store().LastPosition() == 0);
}

TEST_CASE("Idempotency-Key replays the first response, even after a restart", "[api][idempotency]") {
  std::string dir = TempDir("http-idem");
  std::string id, first_body;
  {
    TestServer server(dir);
    auto c = server.Client();
    id = std::to_string(CreateUser(c, "choi"));
    auto charge = "/api/v1/points/" + id + "/charge";
    auto first = c.Post(charge, ChargeBody(700), {"Idempotency-Key: order-abc-1"});
    REQUIRE(first.status == 200);
    first_body = first.body;
    auto repeat = c.Post(charge, ChargeBody(700), {"Idempotency-Key: order-abc-1"});
    CHECK(repeat.status == 200);
    CHECK(repeat.body == first_body);
    CheckError(c.Post(charge, ChargeBody(701), {"Idempotency-Key: order-abc-1"}), 422, "IDEMPOTENCY_KEY_REUSED");
    CheckError(c.Post("/api/v1/points/" + id + "/charge", R"({"amount": 700})", {"Idempotency-Key: order-abc-1"}),
               422, "IDEMPOTENCY_KEY_REUSED");  // not byte-identical
    auto rejected = c.Post(charge, ChargeBody(99'999'999), {"Idempotency-Key: too-much"});
    CheckError(rejected, 409, "BALANCE_LIMIT_EXCEEDED");
  }
  TestServer server(dir);
  auto c = server.Client();
  auto after = c.Post("/api/v1/points/" + id + "/charge", ChargeBody(700), {"Idempotency-Key: order-abc-1"});
  CHECK(after.status == 200);
  CHECK(after.body == first_body);
  CheckError(c.Post("/api/v1/points/" + id + "/charge", ChargeBody(99'999'999), {"Idempotency-Key: too-much"}), 409,
             "BALANCE_LIMIT_EXCEEDED");
  CHECK(c.Get("/api/v1/points/" + id).json()["balance"] == 700);
}

TEST_CASE("64 concurrent clients charging one user leave an exact balance", "[api][concurrency]") {
  TestServer server(TempDir("http-concurrent"));
  auto setup = server.Client();
  auto id = std::to_string(CreateUser(setup, "hot"));
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 64; ++t) {
    clients.emplace_back([&, t] {
      auto c = server.Client();
      for (int i = 0; i < 10; ++i) {
        auto r = c.Post("/api/v1/points/" + id + "/charge", ChargeBody(t + 1));
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == 640);
  long long expected = 10LL * (64 * 65 / 2);
  CHECK(setup.Get("/api/v1/points/" + id).json()["balance"] == expected);
  CHECK(setup.Get("/api/v1/points/" + id + "/history?limit=100").json()["items"].size() == 100);
}

TEST_CASE("Concurrent charges at the limit never pass it", "[api][concurrency]") {
  TestServer server(TempDir("http-limit-race"), {.max_balance = 10'000});
  auto setup = server.Client();
  auto id = std::to_string(CreateUser(setup, "edge"));
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 64; ++t) {
    clients.emplace_back([&] {
      auto c = server.Client();
      for (int i = 0; i < 5; ++i) {
        auto r = c.Post("/api/v1/points/" + id + "/charge", ChargeBody(100));
        if (r.status == 200) {
          ++ok;
          CHECK(r.json()["balance"].get<long long>() <= 10'000);
        } else if (r.status == 409 && r.json()["code"] == "BALANCE_LIMIT_EXCEEDED") {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == 100);
  CHECK(refused == 220);
  CHECK(other == 0);
  CHECK(setup.Get("/api/v1/points/" + id).json()["balance"] == 10'000);
}

TEST_CASE("Half-open connections time out and cannot starve others", "[api][limits]") {
  TestServer server(TempDir("http-slow"), {.read_timeout = std::chrono::milliseconds(500)});
  std::vector<std::unique_ptr<HttpClient>> stalled;
  std::vector<std::thread> senders;
  for (int i = 0; i < 40; ++i) {
    stalled.push_back(std::make_unique<HttpClient>("127.0.0.1", server.port()));
  }
  // Each stalled client sends half a request line and then nothing.
  std::atomic<int> closed{0};
  for (auto& s : stalled) {
    senders.emplace_back([&, client = s.get()] {
      auto r = client->Raw("GET /heal");
      if (r.status == 0) ++closed;  // the server gave up on it
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto c = server.Client();
  auto start = std::chrono::steady_clock::now();
  CHECK(c.Get("/healthz").status == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(400));
  for (auto& t : senders) t.join();
  CHECK(closed == 40);
}

TEST_CASE("A read model that fails a query answers 500 INTERNAL and logs the route, key and cause", "[api][errors]") {
  TestServer server(TempDir("http-read-model-error"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Get("/api/v1/points/" + Id(kim)).status == 200);  // projected
  // A balance as a bad disk or a bug might leave it: not 8 bytes.
  PendingChanges damage;
  damage.Put(server.views().SlotOf(BalanceProjection::kName) + keys::Tagged('b', kim), "abc");
  REQUIRE(server.views().Write(damage));

  auto log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", log));
  auto r = c.Get("/api/v1/points/" + Id(kim));
  spdlog::set_default_logger(previous);

  CheckError(r, 500, "INTERNAL");
  CHECK(r.json()["message"] == "internal error");  // nothing internal in the body
  CHECK(r.body.find("balances") == std::string::npos);
  std::string logged;
  for (const auto& line : log->last_formatted()) logged += line;
  INFO(logged);
  CHECK(logged.find("GET /api/v1/points/" + Id(kim)) != std::string::npos);  // the route and its ids
  CHECK(logged.find("balances/b") != std::string::npos);                      // the key
  CHECK(logged.find("corrupt read-model record") != std::string::npos);       // the cause
}
