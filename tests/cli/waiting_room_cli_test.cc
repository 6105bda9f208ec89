// The coupon waiting room through a real server process that is killed
// with SIGKILL in the middle of the storm and started again.
#include <signal.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/serve_args.h"

using namespace eventmart::testing;

namespace {

std::vector<std::string> ServeWithAdmin(const std::string& dir) { return ServeArgs(dir, {"--admin-token", "secret"}); }

// Sends one waiting-room request per user of `users` (from index `first`,
// every `step`-th), recording each 202 as request id -> user. Stops when the
// server is gone.
void Ask(int port, const std::string& issue_path, const std::vector<std::int64_t>& users, std::size_t first,
         std::size_t step, std::map<std::int64_t, std::int64_t>& accepted, std::mutex& mu) {
  HttpClient c("127.0.0.1", port);
  for (std::size_t i = first; i < users.size(); i += step) {
    auto r = c.Post(issue_path, R"({"userId":)" + std::to_string(users[i]) + "}", {"Prefer: respond-async"});
    if (r.status == 0) return;  // the server died under us
    if (r.status != 202) continue;
    std::lock_guard lock(mu);
    accepted.emplace(r.json()["requestId"].get<std::int64_t>(), users[i]);
  }
}

}  // namespace

TEST_CASE("Every waiting-room request acknowledged before a SIGKILL is decided after the restart, totals exact",
          "[cli][crash][waitingroom][slow]") {
  std::string dir = TempDir("cli-waiting-room-kill");
  constexpr int kUsers = 1000;
  constexpr int kQuantity = 100;
  std::vector<std::int64_t> users;
  std::string coupon_path;
  std::map<std::int64_t, std::int64_t> accepted;  // request id -> user
  std::mutex mu;
  {
    Process server(ServeWithAdmin(dir), dir + "/server.log");
    int port = StartServer(server);
    REQUIRE(port > 0);
    HttpClient setup("127.0.0.1", port);
    for (int i = 0; i < kUsers; ++i) {
      auto r = setup.Post("/api/v1/users", R"({"name":"u)" + std::to_string(i) + R"("})");
      REQUIRE(r.status == 201);
      users.push_back(r.json()["userId"].get<std::int64_t>());
    }
    auto coupon = setup.Post("/api/v1/admin/coupons",
                             R"({"name":"storm","discountType":"FIXED","discountValue":100,"totalQuantity":)" +
                                 std::to_string(kQuantity) + "}",
                             {"Authorization: Bearer secret"});
    REQUIRE(coupon.status == 201);
    coupon_path = "/api/v1/coupons/" + std::to_string(coupon.json()["couponId"].get<std::int64_t>());

    std::vector<std::thread> clients;
    for (std::size_t t = 0; t < 32; ++t) {
      clients.emplace_back([&, t] { Ask(port, coupon_path + "/issue", users, t, 32, accepted, mu); });
    }
    // Kill as soon as the storm is under way.
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (accepted.size() >= 50) break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    server.Signal(SIGKILL);
    for (auto& t : clients) t.join();
    server.Wait();
  }
  std::size_t before_kill = accepted.size();
  INFO("acknowledged before the kill: " << before_kill);
  CHECK(before_kill >= 50);
  CHECK(before_kill < kUsers);  // the kill landed mid-storm

  Process server(ServeWithAdmin(dir), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  // The users who were not acknowledged ask again, now all at once.
  std::set<std::int64_t> acknowledged_users;
  for (const auto& [id, user] : accepted) acknowledged_users.insert(user);
  std::vector<std::int64_t> again;
  for (auto user : users) {
    if (!acknowledged_users.contains(user)) again.push_back(user);
  }
  {
    std::vector<std::thread> clients;
    for (std::size_t t = 0; t < 32; ++t) {
      clients.emplace_back([&, t] { Ask(port, coupon_path + "/issue", again, t, 32, accepted, mu); });
    }
    for (auto& t : clients) t.join();
  }
  REQUIRE(accepted.size() == before_kill + again.size());

  // Every acknowledged request ends decided; exactly 100 coupons, never two to one user.
  HttpClient c("127.0.0.1", port);
  std::set<std::int64_t> holders;
  int issued = 0, sold_out = 0, already = 0, pending = 0;
  for (const auto& [id, user] : accepted) {
    nlohmann::json d;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
      auto r = c.Get("/api/v1/coupon-requests/" + std::to_string(id));
      REQUIRE(r.status == 200);
      d = r.json();
    } while (d["status"] == "PENDING" && std::chrono::steady_clock::now() < give_up);
    REQUIRE(d["userId"] == user);
    if (d["status"] == "PENDING") ++pending;
    if (d["status"] == "ISSUED") {
      ++issued;
      CHECK(holders.insert(user).second);
    }
    if (d["status"] == "REJECTED") {
      sold_out += d["code"] == "COUPON_SOLD_OUT";
      already += d["code"] == "COUPON_ALREADY_ISSUED";
    }
  }
  CHECK(pending == 0);
  // A request recorded just before the kill but never acknowledged may have
  // issued its user a coupon that no acknowledged request shows: count holders.
  int held = 0;
  for (auto user : users) {
    auto items = c.Get("/api/v1/coupons?userId=" + std::to_string(user) + "&status=ALL").json()["items"];
    REQUIRE(items.size() <= 1);
    held += static_cast<int>(items.size());
    if (holders.contains(user)) CHECK(items.size() == 1);
  }
  CHECK(held == kQuantity);
  // Each user has exactly one acknowledged request: 100 end with a coupon
  // (ISSUED, or ALREADY_ISSUED for a user whose unacknowledged request got
  // it), the other 900 are sold out.
  CHECK(accepted.size() == static_cast<std::size_t>(kUsers));
  CHECK(issued + already == kQuantity);
  CHECK(sold_out == kUsers - kQuantity);
  CHECK(c.Get(coupon_path).json()["remainingQuantity"] == 0);

  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
  auto verify = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find(" 0 violations") != std::string::npos);
}
