// Restarts that do not grow with history: write-model snapshots, finished
// orders read back from their streams, idempotency records pruned after
// their retention. The built binary in a subprocess, killed as a crash would.
#include <signal.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/serve_args.h"

using namespace eventmart::testing;

namespace {

// The value of the sample named exactly `name` (with its labels) in a
// Prometheus text exposition; -1 when it is missing.
double MetricValue(const std::string& metrics, const std::string& name) {
  std::size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(metrics.c_str() + at + 1 + name.size() + 1, nullptr);
}

std::vector<std::string> Serve(const std::string& dir, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"--admin-token", "secret"});
  return ServeArgs(dir, std::move(extra));
}

nlohmann::json Stats(const std::string& dir) {
  auto stats = Run({EVENTMART_BIN, "stats", "--data-dir", dir, "--json"});
  REQUIRE(stats.exit_code == 0);
  return nlohmann::json::parse(stats.out);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("load leaves read models and a snapshot, and serve starts from it and reads finished orders back exactly",
          "[cli][snapshots]") {
  std::string dir = TempDir("restart-load");
  auto load = Run({EVENTMART_BIN, "load", "--data-dir", dir, "--users", "300", "--products", "20", "--orders", "3000",
                   "--in-flight", "32"});
  REQUIRE(load.exit_code == 0);
  CHECK(load.out.find("write-model snapshot at") != std::string::npos);
  auto stats = Stats(dir);
  REQUIRE(stats["snapshot"].is_object());
  CHECK(stats["snapshot"]["position"] == stats["lastPosition"]);
  CHECK(stats["snapshot"]["bytes"].get<long long>() > 0);
  // Memory holds the live state: users, accounts and the few orders still unpaid.
  CHECK(stats["writeModel"]["users"] == 300);
  CHECK(stats["writeModel"]["orders"].get<long long>() < 3000 / 5);

  Process server(Serve(dir), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  auto signup = c.Post("/api/v1/users", R"({"name":"after load"})");
  CHECK(signup.status == 201);
  CHECK(signup.json()["userId"] == 301);
  // The read models were built by load: the first query answers at once.
  auto first = c.Get("/api/v1/orders/1");
  REQUIRE(first.status == 200);
  auto owner = first.json()["userId"].get<long long>();
  auto status = first.json()["status"].get<std::string>();
  REQUIRE(status != "NOT_PAID");  // a finished order, long out of memory
  auto pay = c.Post("/api/v1/payments", nlohmann::json{{"orderId", 1}, {"userId", owner}}.dump());
  CHECK(pay.status == 409);
  CHECK(pay.json()["code"] == "ORDER_NOT_PAYABLE");
  auto stranger = c.Post("/api/v1/payments", nlohmann::json{{"orderId", 1}, {"userId", owner == 1 ? 2 : 1}}.dump());
  CHECK(stranger.status == 403);
  auto cancel = c.Post("/api/v1/orders/1/cancel", nlohmann::json{{"userId", owner}}.dump());
  CHECK(cancel.status == 409);
  CHECK(cancel.json()["code"] == "ORDER_NOT_CANCELLABLE");
  auto unknown = c.Post("/api/v1/payments", R"({"orderId":999999,"userId":1})");
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["code"] == "ORDER_NOT_FOUND");
  CHECK(c.Get("/readyz").status == 200);
  auto metrics = c.Get("/metrics").body;
  CHECK(metrics.find("eventmart_snapshot_position " + std::to_string(stats["lastPosition"].get<long long>())) !=
        std::string::npos);
  CHECK(metrics.find("eventmart_write_model_aggregates{kind=\"users\"} 301") != std::string::npos);
  CHECK(metrics.find("eventmart_write_model_ready 1") != std::string::npos);
  // Memory as an operator sizes a machine by it: the process, and RocksDB's caches (blocks read just now).
  CHECK(MetricValue(metrics, "eventmart_resident_memory_bytes") > 10e6);
  CHECK(MetricValue(metrics, "eventmart_rocksdb_memory_bytes{store=\"events\",kind=\"block_cache\"}") > 0);
  CHECK(MetricValue(metrics, "eventmart_rocksdb_memory_bytes{store=\"views\",kind=\"memtables\"}") > 0);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
  CHECK(ReadFile(dir + "/server.log").find("snapshot at " + std::to_string(stats["lastPosition"].get<long long>())) !=
        std::string::npos);

  // A damaged newest snapshot: the server says so and starts from the log.
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/snapshots")) {
    std::filesystem::resize_file(entry.path(), std::filesystem::file_size(entry.path()) / 2);
  }
  Process again(Serve(dir), dir + "/server2.log");
  port = StartServer(again);
  REQUIRE(port > 0);
  HttpClient c2("127.0.0.1", port);
  CHECK(c2.Post("/api/v1/users", R"({"name":"after damage"})").json()["userId"] == 302);
  again.Signal(SIGTERM);
  CHECK(again.Wait() == 0);
  auto log = ReadFile(dir + "/server2.log");
  CHECK(log.find("truncated") != std::string::npos);
  CHECK(log.find("snapshot at 0,") != std::string::npos);
  CHECK(Run({EVENTMART_BIN, "verify", "--data-dir", dir}).exit_code == 0);
}

TEST_CASE("SIGKILL at random moments while snapshots are written never yields a wrong state",
          "[cli][snapshots][crash][slow]") {
  std::string dir = TempDir("restart-kill");
  constexpr int kClients = 6;
  constexpr int kRounds = 22;
  std::vector<long long> charged(kClients, 0), spent(kClients, 0);
  std::vector<std::string> users;
  std::mt19937 rng(20261130);
  int from_snapshot = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::string log_path = dir + "/server-" + std::to_string(round) + ".log";
    Process server(Serve(dir, {"--snapshot-every-events", "1000", "--snapshot-every", "1s"}), log_path);
    int port = StartServer(server);
    REQUIRE(port > 0);
    HttpClient setup("127.0.0.1", port);
    if (users.empty()) {
      for (int i = 0; i < kClients; ++i) {
        auto r = setup.Post("/api/v1/users", R"({"name":"u)" + std::to_string(i) + R"("})");
        REQUIRE(r.status == 201);
        users.push_back(std::to_string(r.json()["userId"].get<long long>()));
      }
      REQUIRE(setup.Post("/api/v1/admin/products", R"({"name":"pen","price":1,"stock":1000000000})",
                         {"Authorization: Bearer secret"}).status == 201);
    }
    // The state the server started with is the state the acknowledgements say.
    for (int i = 0; i < kClients; ++i) {
      auto balance = setup.Get("/api/v1/points/" + users[i]).json()["balance"].get<long long>();
      INFO("round " << round << ", user " << users[i]);
      // At most one unacknowledged command per earlier round may have landed.
      CHECK(balance >= charged[i] - spent[i] - round);
      CHECK(balance <= charged[i] - spent[i] + 3 * round);
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        HttpClient c("127.0.0.1", port);
        for (int n = 0; !stop; ++n) {
          if (n % 4 == 3) {
            auto r = c.Post("/api/v1/orders", R"({"userId":)" + users[i] +
                                                  R"(,"items":[{"productId":1,"quantity":1}],"pay":true})");
            if (r.status == 201) ++spent[i];
            if (r.status != 201 && r.status != 409) break;  // the server died under us
          } else {
            auto r = c.Post("/api/v1/points/" + users[i] + "/charge", R"({"amount":3})");
            if (r.status != 200) break;
            charged[i] += 3;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1200)(rng)));
    server.Signal(SIGKILL);
    stop = true;
    for (auto& t : clients) t.join();
    server.Wait();
    auto log = ReadFile(log_path);
    if (log.find("snapshot at 0,") == std::string::npos && log.find("state loaded") != std::string::npos) {
      ++from_snapshot;
    }
  }
  CHECK(from_snapshot > kRounds / 2);  // the restarts did start from snapshots
  // At most the newest two snapshots, whole or skipped, and no temporary file left for long.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/snapshots")) {
    if (entry.path().extension() == ".emws") ++files;
  }
  CHECK(files <= 2);
  auto verified = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  // Snapshot plus tail is the state the whole log folds to.
  auto with_snapshot = Stats(dir)["writeModel"];
  std::filesystem::remove_all(dir + "/snapshots");
  auto from_log = Stats(dir)["writeModel"];
  CHECK(with_snapshot == from_log);
}

TEST_CASE("Idempotency records are pruned after the retention, across a restart, and stop growing under load",
          "[cli][idempotency][slow]") {
  std::string dir = TempDir("restart-idem");
  CHECK(Run({EVENTMART_BIN, "serve", "--idempotency-retention", "30s"}).exit_code == 2);
  auto retention = std::vector<std::string>{"--idempotency-retention", "1m"};
  std::string user;
  {
    Process server(Serve(dir, retention), dir + "/server.log");
    int port = StartServer(server);
    REQUIRE(port > 0);
    HttpClient c("127.0.0.1", port);
    user = std::to_string(c.Post("/api/v1/users", R"({"name":"kim"})").json()["userId"].get<long long>());
    auto first = c.Post("/api/v1/points/" + user + "/charge", R"({"amount":10})", {"Idempotency-Key: first"});
    REQUIRE(first.status == 200);
    CHECK(first.json()["balance"] == 10);
    server.Signal(SIGTERM);
    CHECK(server.Wait() == 0);
  }
  auto started = std::chrono::steady_clock::now();
  Process server(Serve(dir, retention), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  // Within the retention, also after the restart: the first response again.
  auto repeat = c.Post("/api/v1/points/" + user + "/charge", R"({"amount":10})", {"Idempotency-Key: first"});
  CHECK(repeat.json()["balance"] == 10);

  // A steady keyed load: every request a new key.
  std::atomic<bool> stop{false};
  std::atomic<long long> sent{0};
  std::thread load([&] {
    HttpClient k("127.0.0.1", port);
    while (!stop) {
      auto key = "steady-" + std::to_string(sent.load());
      if (k.Post("/api/v1/points/" + user + "/charge", R"({"amount":1})", {"Idempotency-Key: " + key}).status == 200) {
        ++sent;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto records_at = [&](int seconds) {
    std::this_thread::sleep_until(started + std::chrono::seconds(seconds));
    long long acknowledged = sent.load();  // before counting: each of these is on disk
    return std::pair{Stats(dir)["idempotencyRecords"].get<long long>(), acknowledged};
  };
  auto [records_50, sent_50] = records_at(50);
  CHECK(records_50 >= sent_50);  // nothing pruned before the retention
  auto [records_75, sent_75] = records_at(75);
  auto [records_85, sent_85] = records_at(85);
  stop = true;
  load.join();
  // Records live between 1m and 1m6s: a steady rate r keeps 60r..66r of them.
  double rate = static_cast<double>(sent_85 - sent_50) / 35.0;
  INFO("records " << records_50 << " / " << records_75 << " / " << records_85 << ", sent " << sent_85 << ", rate "
                  << rate << "/s");
  CHECK(records_85 < sent_85);
  CHECK(records_85 <= static_cast<long long>(rate * 68 + 2));
  CHECK(std::abs(records_85 - records_75) <= static_cast<long long>(rate * 8 + 2));
  // The first key is long gone: a repeat is a new request.
  auto after = c.Post("/api/v1/points/" + user + "/charge", R"({"amount":10})", {"Idempotency-Key: first"});
  REQUIRE(after.status == 200);
  CHECK(after.json()["balance"] == 10 + 10 + sent.load());
  CHECK(c.Get("/metrics").body.find("eventmart_idempotency_retention_seconds 60") != std::string::npos);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
}
