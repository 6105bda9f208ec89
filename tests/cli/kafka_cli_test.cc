// Kafka over the real wire: `eventmart dev-kafka` (librdkafka's mock
// cluster) in one process, `eventmart serve --kafka-brokers` in another,
// shoppers as concurrent HTTP clients, and the topics read back by a
// consumer of our own, as the data platform would read them.
#include <signal.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/process.h"

using namespace eventmart::testing;
using nlohmann::json;

namespace {

const std::string kAdmin = "Authorization: Bearer secret";
const std::vector<std::string> kFeedTopics = {"eventmart.user",   "eventmart.account", "eventmart.product",
                                              "eventmart.coupon", "eventmart.cart",    "eventmart.order",
                                              "eventmart.couponRequest"};

std::string Id(const json& id) { return std::to_string(id.get<std::int64_t>()); }

class DevKafka {
 public:
  DevKafka() : process_({EVENTMART_BIN, "dev-kafka", "--partitions", "4"}) {
    REQUIRE(process_.ReadLine(&brokers_, 30'000));
    REQUIRE(brokers_.starts_with("127.0.0.1:"));
  }
  ~DevKafka() {
    process_.Signal(SIGTERM);
    process_.Wait();
  }
  const std::string& brokers() const { return brokers_; }
  void SetUp(bool up) {
    process_.Signal(up ? SIGUSR2 : SIGUSR1);
    std::string line;
    REQUIRE(process_.ReadLine(&line, 10'000));
    REQUIRE(line == (up ? "brokers up" : "brokers down"));
  }

 private:
  Process process_;
  std::string brokers_;
};

std::vector<std::string> ServeArgs(const std::string& dir, const std::string& brokers) {
  return {EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--admin-token", "secret",
          "--kafka-brokers", brokers};
}

struct Catalog {
  std::vector<json> products;
  std::int64_t coupon = 0;
};

Catalog MakeCatalog(HttpClient& c) {
  Catalog catalog;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/api/v1/admin/products",
                    R"({"name":"P)" + std::to_string(i) +
                        R"(","options":[{"name":"a","price":1000,"stock":100000},{"name":"b","price":2500,"stock":100000}]})",
                    {kAdmin});
    REQUIRE(r.status == 201);
    catalog.products.push_back(r.json());
  }
  auto coupon = c.Post("/api/v1/admin/coupons",
                       R"({"name":"1000 off","discountType":"FIXED","discountValue":1000,"totalQuantity":1000})", {kAdmin});
  REQUIRE(coupon.status == 201);
  catalog.coupon = coupon.json()["couponId"].get<std::int64_t>();
  return catalog;
}

std::string Item(const json& product, int option, int quantity) {
  return R"({"productId":)" + Id(product["productId"]) + R"(,"optionId":)" + Id(product["options"][option]["optionId"]) +
         R"(,"quantity":)" + std::to_string(quantity) + "}";
}

struct Visit {
  std::string user;
  std::vector<std::int64_t> paid;  // orders this shopper paid
  std::string failure;             // the first command that did not succeed
};

// One shopper's visit: sign up, charge, take a coupon, fill the cart, and
// place orders that end every way (paid at once, paid later, cancelled).
// Runs on its own thread, so it records failures instead of asserting
// (Catch2's assertions are not thread-safe).
Visit Shop(int port, const Catalog& catalog, int orders, int seed) {
  Visit visit;
  HttpClient c("127.0.0.1", port);
  auto expect = [&visit](const Response& r, int status, const std::string& what) {
    if (r.status != status && visit.failure.empty()) {
      visit.failure = what + ": " + std::to_string(r.status) + " " + r.body;
    }
    return r.status == status;
  };
  auto user_r = c.Post("/api/v1/users", R"({"name":"shopper )" + std::to_string(seed) + R"("})");
  if (!expect(user_r, 201, "sign up")) return visit;
  std::string user = Id(user_r.json()["userId"]);
  visit.user = user;
  expect(c.Post("/api/v1/points/" + user + "/charge", R"({"amount":5000000})"), 200, "charge");
  expect(c.Post("/api/v1/coupons/" + std::to_string(catalog.coupon) + "/issue", R"({"userId":)" + user + "}"), 201,
         "issue");
  expect(c.Post("/api/v1/users/" + user + "/cart/items", Item(catalog.products[seed % 3], 1, 2)), 200, "cart");
  for (int i = 0; i < orders; ++i) {
    const json& product = catalog.products[(seed + i) % 3];
    std::string coupon = i == 0 ? R"(,"couponId":)" + std::to_string(catalog.coupon) : "";
    std::string pay = i % 3 == 0 ? R"(,"pay":true)" : "";
    auto placed = c.Post("/api/v1/orders", R"({"userId":)" + user + R"(,"items":[)" + Item(product, i % 2, 1 + i % 3) +
                                               "]" + coupon + pay + "}");
    if (!expect(placed, 201, "order")) return visit;
    std::string order = Id(placed.json()["orderId"]);
    if (i % 3 == 0) {
      visit.paid.push_back(placed.json()["orderId"].get<std::int64_t>());
    } else if (i % 3 == 1) {
      if (expect(c.Post("/api/v1/payments", R"({"orderId":)" + order + R"(,"userId":)" + user + "}"), 201, "pay")) {
        visit.paid.push_back(placed.json()["orderId"].get<std::int64_t>());
      }
    } else {
      expect(c.Post("/api/v1/orders/" + order + "/cancel", R"({"userId":)" + user + "}"), 200, "cancel");
    }
  }
  return visit;
}

// Shoppers in parallel, each on its own connection; every command must
// succeed. Returns the orders they paid.
std::vector<std::int64_t> Crowd(int port, const Catalog& catalog, int shoppers, int orders, int first_seed,
                                std::vector<std::string>* users = nullptr) {
  std::vector<Visit> visits(static_cast<std::size_t>(shoppers));
  std::vector<std::thread> threads;
  for (int s = 0; s < shoppers; ++s) {
    threads.emplace_back([&, s] { visits[static_cast<std::size_t>(s)] = Shop(port, catalog, orders, first_seed + s); });
  }
  for (auto& t : threads) t.join();
  std::vector<std::int64_t> paid;
  for (const auto& v : visits) {
    INFO(v.failure);
    CHECK(v.failure.empty());
    paid.insert(paid.end(), v.paid.begin(), v.paid.end());
    if (users) users->push_back(v.user);
  }
  return paid;
}

// Waits until the relay has every committed event acknowledged.
json WaitForRelay(HttpClient& c, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  json status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = c.Get("/api/v1/admin/relay", {kAdmin}).json();
    if (status["lag"] == 0 && status["inFlight"] == 0) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the relay did not catch up: " << status.dump());
  return status;
}

std::map<std::uint64_t, std::string> ReplayLines(const std::string& dir) {
  auto replay = Run({EVENTMART_BIN, "replay", "--data-dir", dir});
  REQUIRE(replay.exit_code == 0);
  std::map<std::uint64_t, std::string> lines;
  std::istringstream in(replay.out);
  for (std::string line; std::getline(in, line);) lines[json::parse(line)["position"].get<std::uint64_t>()] = line;
  return lines;
}

std::size_t DistinctPositions(const std::vector<KafkaRecord>& records, const std::string& prefix = "eventmart.") {
  std::set<std::uint64_t> positions;
  for (const auto& r : records) {
    if (r.topic.starts_with(prefix)) positions.insert(json::parse(r.value)["position"].get<std::uint64_t>());
  }
  return positions.size();
}

// The feed as the spec promises it: every event of the log at least once,
// byte for byte what `replay` prints, on its category's topic under its
// stream's key, in order per key; a repeat is the same event again.
void CheckFeed(const std::vector<KafkaRecord>& records, const std::map<std::uint64_t, std::string>& log) {
  std::map<std::string, std::uint64_t> last_version;  // per key, the highest version seen
  std::map<std::uint64_t, std::string> seen;
  std::size_t repeats = 0;
  for (const auto& r : records) {
    if (!r.topic.starts_with("eventmart.")) continue;
    auto e = json::parse(r.value);
    auto position = e["position"].get<std::uint64_t>();
    auto version = e["version"].get<std::uint64_t>();
    std::string stream = e["stream"];
    INFO(r.value);
    REQUIRE(log.contains(position));
    CHECK(r.value == log.at(position));
    CHECK(r.key == stream);
    CHECK(r.topic == "eventmart." + stream.substr(0, stream.find('-')));
    if (seen.contains(position)) {
      ++repeats;
      CHECK(seen[position] == r.value);
      CHECK(version <= last_version[stream]);
      continue;
    }
    seen[position] = r.value;
    CHECK(version == last_version[stream] + 1);  // the next one for this key, nothing skipped
    last_version[stream] = version;
  }
  CHECK(seen.size() == log.size());
  INFO("repeats: " << repeats);
}

// Every paid order on data-platform.orders at least once, with its items and
// amounts; a repeat carries the same event id.
void CheckDataPlatform(const std::vector<KafkaRecord>& records, const std::vector<std::int64_t>& paid, HttpClient& c) {
  std::map<std::int64_t, std::string> first;  // order id -> eventId
  for (const auto& r : records) {
    if (r.topic != "data-platform.orders") continue;
    auto m = json::parse(r.value);
    auto order = m["orderId"].get<std::int64_t>();
    CHECK(r.key == std::to_string(order));
    CHECK(m["status"] == "PAID");
    if (first.contains(order)) {
      CHECK(first[order] == m["eventId"]);
      continue;
    }
    first[order] = m["eventId"];
  }
  CHECK(first.size() == paid.size());
  for (auto order : paid) {
    INFO("order " << order);
    REQUIRE(first.contains(order));
  }
  // One message in full against what the API says about the order.
  for (const auto& r : records) {
    if (r.topic != "data-platform.orders") continue;
    auto m = json::parse(r.value);
    auto api = c.Get("/api/v1/orders/" + Id(m["orderId"])).json();
    CHECK(m["userId"] == api["userId"]);
    CHECK(m["items"] == api["items"]);
    CHECK(m["totalAmount"] == api["totalAmount"]);
    CHECK(m["discountAmount"] == api["discountAmount"]);
    CHECK(m["payAmount"] == api["payAmount"]);
    CHECK(m["createdAt"] == api["createdAt"]);
    CHECK(m["paidAt"].get<std::string>().ends_with("Z"));
    break;
  }
}

std::vector<KafkaRecord> ReadEverything(const std::string& brokers, std::size_t events, std::size_t paid) {
  std::vector<std::string> topics = kFeedTopics;
  topics.push_back("data-platform.orders");
  return ReadTopics(brokers, topics, [&](const std::vector<KafkaRecord>& records) {
    std::size_t platform = 0;
    for (const auto& r : records) platform += r.topic == "data-platform.orders";
    return DistinctPositions(records) >= events && platform >= paid;
  });
}

// Waits until a query node's log has reached `head` and it says it is ready.
void WaitForNode(HttpClient& node, std::uint64_t head) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  json feed;
  while (std::chrono::steady_clock::now() < deadline) {
    feed = node.Get("/api/v1/admin/feed", {kAdmin}).json();
    if (feed["position"] == head && node.Get("/readyz").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the query node did not catch up with position " << head << ": " << feed.dump());
}

// Every GET a shopper or a dashboard makes, asked of both servers.
std::vector<std::string> QueryPaths(HttpClient& main, const Catalog& catalog, const std::vector<std::string>& users) {
  std::vector<std::string> paths = {"/api/v1/products?includeSoldOut=true&limit=100",
                                    "/api/v1/coupons/" + std::to_string(catalog.coupon)};
  for (const auto& p : catalog.products) paths.push_back("/api/v1/products/" + Id(p["productId"]));
  for (const auto& u : users) {
    for (const std::string& path : {"/api/v1/points/" + u, "/api/v1/points/" + u + "/history?limit=100",
                                    "/api/v1/coupons?userId=" + u + "&status=ALL", "/api/v1/users/" + u + "/cart",
                                    "/api/v1/orders?userId=" + u + "&limit=100"}) {
      paths.push_back(path);
    }
    json orders = main.Get("/api/v1/orders?userId=" + u + "&limit=100").json();
    for (const auto& order : orders["items"]) {
      paths.push_back("/api/v1/orders/" + Id(order["orderId"]));
    }
  }
  return paths;
}

void CheckSameAnswers(HttpClient& main, HttpClient& node, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    auto a = main.Get(path);
    auto b = node.Get(path);
    INFO(path << "\nmain: " << a.body << "\nnode: " << b.body);
    REQUIRE(a.status == 200);
    CHECK(b.status == 200);
    CHECK(a.body == b.body);
  }
  // The ranking's window ends "now", which differs by a moment: compare the ranks.
  auto best_main = main.Get("/api/v1/products/best").json();
  auto best_node = node.Get("/api/v1/products/best").json();
  CHECK(best_main["items"].size() == 3);
  CHECK(best_main["items"] == best_node["items"]);
}

}  // namespace

TEST_CASE("Every event and every paid order reach Kafka, in order per key", "[kafka][relay]") {
  DevKafka kafka;
  std::string dir = TempDir("kafka-relay");
  Process server(ServeArgs(dir, kafka.brokers()));
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  Catalog catalog = MakeCatalog(c);
  auto paid = Crowd(port, catalog, 8, 12, 1);
  json relay = WaitForRelay(c);
  CHECK(relay["state"] == "running");
  CHECK(relay["dataPlatformDelivered"] == paid.size());
  auto metrics = c.Get("/metrics").body;
  CHECK(metrics.find("eventmart_relay_position " + std::to_string(relay["position"].get<std::uint64_t>())) !=
        std::string::npos);
  CHECK(metrics.find("eventmart_relay_ack_lag_seconds_count") != std::string::npos);

  auto log = ReplayLines(dir);
  REQUIRE(log.size() == relay["head"].get<std::size_t>());
  auto records = ReadEverything(kafka.brokers(), log.size(), paid.size());
  CheckFeed(records, log);
  CheckDataPlatform(records, paid, c);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
}

TEST_CASE("A broker outage and a killed server lose nothing, and never hold up a command", "[kafka][outage]") {
  DevKafka kafka;
  std::string dir = TempDir("kafka-outage");
  auto server = std::make_unique<Process>(ServeArgs(dir, kafka.brokers()));
  int port = StartServer(*server);
  REQUIRE(port > 0);
  Catalog catalog;
  std::vector<std::int64_t> paid;
  {
    HttpClient c("127.0.0.1", port);
    catalog = MakeCatalog(c);
    paid = Crowd(port, catalog, 4, 6, 1);
    WaitForRelay(c);
  }

  kafka.SetUp(false);
  auto started = std::chrono::steady_clock::now();
  auto during = Crowd(port, catalog, 8, 9, 100);  // every command answered (Shop REQUIREs it)
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  paid.insert(paid.end(), during.begin(), during.end());
  CHECK(seconds < 20.0);  // 8 x ~30 commands; an outage that blocked commands would hang here
  {
    HttpClient c("127.0.0.1", port);
    auto relay = c.Get("/api/v1/admin/relay", {kAdmin}).json();
    INFO(relay.dump());
    CHECK(relay["lag"].get<std::uint64_t>() > 0);  // nothing acknowledged while the brokers are away
    CHECK(relay["inFlight"].get<std::uint64_t>() > 0);
  }

  // The process dies with messages unacknowledged; its checkpoint is behind them.
  server->Signal(SIGKILL);
  server->Wait();
  server = std::make_unique<Process>(ServeArgs(dir, kafka.brokers()));
  port = StartServer(*server);
  REQUIRE(port > 0);
  auto after = Crowd(port, catalog, 2, 3, 200);
  paid.insert(paid.end(), after.begin(), after.end());

  kafka.SetUp(true);
  HttpClient c("127.0.0.1", port);
  WaitForRelay(c);
  auto log = ReplayLines(dir);
  auto records = ReadEverything(kafka.brokers(), log.size(), paid.size());
  CheckFeed(records, log);
  CheckDataPlatform(records, paid, c);
  server->Signal(SIGTERM);
  CHECK(server->Wait() == 0);
}

TEST_CASE("A query node fed from Kafka answers the same as the main server", "[kafka][query-node]") {
  DevKafka kafka;
  Process server(ServeArgs(TempDir("kafka-main"), kafka.brokers()));
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient main("127.0.0.1", port);
  Catalog catalog = MakeCatalog(main);
  std::vector<std::string> users;
  Crowd(port, catalog, 6, 9, 1, &users);
  auto head = WaitForRelay(main)["head"].get<std::uint64_t>();

  std::string node_dir = TempDir("kafka-node");
  std::vector<std::string> node_args = {EVENTMART_BIN, "project", "--data-dir", node_dir, "--listen", "127.0.0.1:0",
                                        "--admin-token", "secret", "--kafka-brokers", kafka.brokers()};
  auto node_process = std::make_unique<Process>(node_args);
  int node_port = StartServer(*node_process);
  REQUIRE(node_port > 0);
  auto node = std::make_unique<HttpClient>("127.0.0.1", node_port);
  WaitForNode(*node, head);
  CheckSameAnswers(main, *node, QueryPaths(main, catalog, users));

  // A query node takes no commands.
  auto refused = node->Post("/api/v1/points/" + users[0] + "/charge", R"({"amount":1})");
  CHECK(refused.status == 405);
  CHECK(refused.json()["code"] == "METHOD_NOT_ALLOWED");
  CHECK(node->Post("/api/v1/orders", "{}").status == 405);

  // It follows the live feed.
  Crowd(port, catalog, 3, 3, 50, &users);
  head = WaitForRelay(main)["head"].get<std::uint64_t>();
  WaitForNode(*node, head);
  CheckSameAnswers(main, *node, QueryPaths(main, catalog, users));

  // Restarted, it resumes from its own offsets instead of reading everything again.
  node.reset();
  node_process->Signal(SIGTERM);
  REQUIRE(node_process->Wait() == 0);
  Crowd(port, catalog, 1, 3, 80, &users);
  head = WaitForRelay(main)["head"].get<std::uint64_t>();
  node_process = std::make_unique<Process>(node_args);
  node_port = StartServer(*node_process);
  REQUIRE(node_port > 0);
  node = std::make_unique<HttpClient>("127.0.0.1", node_port);
  WaitForNode(*node, head);
  auto feed = node->Get("/api/v1/admin/feed", {kAdmin}).json();
  CHECK(feed["received"].get<std::uint64_t>() < head / 2);
  CheckSameAnswers(main, *node, QueryPaths(main, catalog, users));

  // A node with room for only a few events ahead of a gap pauses the
  // partitions that run ahead, and still catches up (none is left paused).
  Process small({EVENTMART_BIN, "project", "--data-dir", TempDir("kafka-node-small"), "--listen", "127.0.0.1:0",
                 "--admin-token", "secret", "--kafka-brokers", kafka.brokers(), "--feed-max-buffered", "8"});
  int small_port = StartServer(small);
  REQUIRE(small_port > 0);
  HttpClient small_client("127.0.0.1", small_port);
  WaitForNode(small_client, head);
  auto small_feed = small_client.Get("/api/v1/admin/feed", {kAdmin}).json();
  INFO(small_feed.dump());
  // Whether more than 8 ever wait depends on the order the brokers hand
  // partitions over; when they did, a pause must have followed.
  if (small_feed["peakBuffered"].get<std::uint64_t>() > 8) CHECK(small_feed["pauses"].get<std::uint64_t>() > 0);
  CheckSameAnswers(main, small_client, QueryPaths(main, catalog, users));
  small.Signal(SIGTERM);
  CHECK(small.Wait() == 0);

  node_process->Signal(SIGTERM);
  CHECK(node_process->Wait() == 0);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
}

TEST_CASE("A query node under --auth jwt asks for the same tokens as the main server", "[kafka][query-node][auth]") {
  DevKafka kafka;
  std::string dir = TempDir("kafka-auth");
  std::string secret = dir + "/hs256.secret";
  std::ofstream(secret) << "a-secret-shared-by-both-servers-0123456789\n";
  auto args = ServeArgs(dir + "/main", kafka.brokers());
  for (std::string flag : {"--auth", "jwt", "--jwt-hs256-secret-file", secret.c_str(), "--issue-tokens"}) args.push_back(flag);
  Process server(args);
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient main("127.0.0.1", port);
  auto kim = main.Post("/api/v1/users", R"({"name":"kim"})").json();
  auto lee = main.Post("/api/v1/users", R"({"name":"lee"})").json();
  std::string kim_id = Id(kim["userId"]), kim_token = "Authorization: Bearer " + kim["token"].get<std::string>();
  std::string lee_token = "Authorization: Bearer " + lee["token"].get<std::string>();
  REQUIRE(main.Post("/api/v1/points/" + kim_id + "/charge", R"({"amount":70})", {kim_token}).status == 200);
  auto head = WaitForRelay(main)["head"].get<std::uint64_t>();

  Process node_process({EVENTMART_BIN, "project", "--data-dir", dir + "/node", "--listen", "127.0.0.1:0", "--admin-token",
                        "secret", "--kafka-brokers", kafka.brokers(), "--auth", "jwt", "--jwt-hs256-secret-file", secret});
  int node_port = StartServer(node_process);
  REQUIRE(node_port > 0);
  HttpClient node("127.0.0.1", node_port);
  WaitForNode(node, head);
  std::string balance = "/api/v1/points/" + kim_id;
  CHECK(node.Get(balance).status == 401);
  CHECK(node.Get(balance, {lee_token}).status == 403);
  auto own = node.Get(balance, {kim_token});
  CHECK(own.status == 200);
  CHECK(own.json()["balance"] == 70);

  node_process.Signal(SIGTERM);
  CHECK(node_process.Wait() == 0);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
}

TEST_CASE("Kafka flags: bad ones are usage errors, every verb explains itself", "[kafka][cli]") {
  std::string dir = TempDir("kafka-flags");
  auto no_equals = Run({EVENTMART_BIN, "serve", "--data-dir", dir, "--kafka-brokers", "127.0.0.1:1",
                        "--kafka-property", "acks"});
  CHECK(no_equals.exit_code == 2);
  CHECK(no_equals.err.find("key=value") != std::string::npos);
  auto unknown = Run({EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--kafka-brokers",
                      "127.0.0.1:1", "--kafka-property", "no.such.setting=1"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no.such.setting") != std::string::npos);
  auto no_brokers = Run({EVENTMART_BIN, "project", "--data-dir", dir + "-node"});
  CHECK(no_brokers.exit_code == 2);
  CHECK(no_brokers.err.find("--kafka-brokers") != std::string::npos);
  for (const char* verb : {"serve", "project"}) {
    auto help = Run({EVENTMART_BIN, verb, "--help"});
    CHECK(help.exit_code == 0);
    for (const char* flag : {"--kafka-brokers", "--kafka-property", "--kafka-topic-prefix", "--kafka-data-platform-topic"}) {
      CHECK(help.out.find(flag) != std::string::npos);
    }
  }
  auto dev = Run({EVENTMART_BIN, "dev-kafka", "--help"});
  CHECK(dev.exit_code == 0);
  CHECK(dev.out.find("--partitions") != std::string::npos);
  CHECK(Run({EVENTMART_BIN, "bench", "relay", "--help"}).exit_code == 0);
}

TEST_CASE("Topic names are the operator's to choose", "[kafka][relay]") {
  Process dev({EVENTMART_BIN, "dev-kafka", "--partitions", "2", "--kafka-topic-prefix", "shop.",
               "--kafka-data-platform-topic", "dp.paid"});
  std::string brokers;
  REQUIRE(dev.ReadLine(&brokers, 30'000));
  Process server({EVENTMART_BIN, "serve", "--data-dir", TempDir("kafka-topics"), "--listen", "127.0.0.1:0",
                  "--admin-token", "secret", "--demo", "--kafka-brokers", brokers, "--kafka-topic-prefix", "shop.",
                  "--kafka-data-platform-topic", "dp.paid", "--kafka-property", "compression.type=zstd",
                  "--kafka-property", "acks=all"});
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  Catalog catalog = MakeCatalog(c);
  auto paid = Crowd(port, catalog, 1, 2, 1);  // one paid at once, one paid later
  REQUIRE(paid.size() == 2);
  auto head = WaitForRelay(c)["head"].get<std::size_t>();
  std::vector<std::string> topics = {"dp.paid"};
  for (const auto& t : kFeedTopics) topics.push_back("shop." + t.substr(t.find('.') + 1));
  auto on_dp = [](const std::vector<KafkaRecord>& records) {
    return std::count_if(records.begin(), records.end(), [](const KafkaRecord& r) { return r.topic == "dp.paid"; });
  };
  auto records = ReadTopics(brokers, topics, [&](const std::vector<KafkaRecord>& r) {
    return DistinctPositions(r, "shop.") >= head && on_dp(r) >= 2;
  });
  CHECK(on_dp(records) >= 2);
  CHECK(DistinctPositions(records, "shop.") == head);
  server.Signal(SIGTERM);
  CHECK(server.Wait() == 0);
  dev.Signal(SIGTERM);
  dev.Wait();
}

TEST_CASE("A message the brokers refuse is retried, never skipped, and holds up no command", "[kafka][relay]") {
  DevKafka kafka;
  std::string dir = TempDir("kafka-refused");
  auto args = ServeArgs(dir, kafka.brokers());
  auto limited = args;
  limited.insert(limited.end(), {"--kafka-property", "message.max.bytes=1000"});
  auto server = std::make_unique<Process>(limited);
  int port = StartServer(*server);
  REQUIRE(port > 0);
  {
    HttpClient c("127.0.0.1", port);
    Catalog catalog = MakeCatalog(c);
    std::string options;
    for (int i = 0; i < 30; ++i) {
      options += std::string(i ? "," : "") + R"({"name":"option )" + std::to_string(i) + " " + std::string(60, 'x') +
                 R"(","price":1,"stock":1})";
    }
    auto big = c.Post("/api/v1/admin/products", R"({"name":"big","options":[)" + options + "]}", {kAdmin});
    INFO(big.body);
    REQUIRE(big.status == 201);
    Crowd(port, catalog, 2, 3, 1);  // commands after it are answered as usual
    json relay;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      relay = c.Get("/api/v1/admin/relay", {kAdmin}).json();
    } while (relay["restarts"] == 0 && std::chrono::steady_clock::now() < deadline);
    INFO(relay.dump());
    CHECK(relay["restarts"].get<int>() >= 1);
    CHECK(relay["lastError"].get<std::string>().find("too large") != std::string::npos);
    CHECK(relay["position"].get<std::uint64_t>() < relay["head"].get<std::uint64_t>());  // stuck before it, not past it
  }
  server->Signal(SIGTERM);
  REQUIRE(server->Wait() == 0);

  // The operator lifts the limit: the relay resumes at the refused event.
  server = std::make_unique<Process>(args);
  port = StartServer(*server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  WaitForRelay(c);
  auto log = ReplayLines(dir);
  CheckFeed(ReadEverything(kafka.brokers(), log.size(), 0), log);
  server->Signal(SIGTERM);
  CHECK(server->Wait() == 0);
}
