// A three-node cluster on loopback (`eventmart dev-cluster`: three etcd
// members, three `serve` processes), driven over HTTP and checked with the
// CLI, as an operator would. Losing "a machine" kills a node and its etcd
// member; a crash kills the serve process alone.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "tests/cluster/cluster_support.h"
#include "tests/support/cli_helpers.h"
#include "tests/support/kafka_reader.h"

using namespace eventmart::testing;
using namespace std::chrono_literals;

namespace {

// SIGSTOP takes effect thread by thread: until every thread of `pid` shows
// state T, one may still be finishing a request it had (and commit it while
// it legitimately leads). True once the whole process is stopped.
bool WaitStopped(int pid) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    bool all = true, any = false;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      auto close = line.rfind(')');
      if (close == std::string::npos || close + 2 >= line.size()) continue;
      any = true;
      all = all && line[close + 2] == 'T';
    }
    if (any && all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}


std::int64_t BalanceOn(DevCluster& cluster, int id, std::int64_t user, std::int64_t min_position) {
  HttpClient c("127.0.0.1", PortOf(cluster.node(id).url));
  auto r = c.Get("/api/v1/points/" + Id(user), {"EventMart-Min-Position: " + std::to_string(min_position)});
  INFO("node " << id << ": " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json()["balance"].get<std::int64_t>();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What node `id` logged since dev-cluster started it (and since the test restarted it).
std::string NodeLog(DevCluster& cluster, int id) {
  std::string base = cluster.dir() + "/node-" + std::to_string(id);
  return ReadFile(base + ".log") + ReadFile(base + "-restarted.log");
}

int AnyFollower(DevCluster& cluster, int leader, int other = 0) {
  for (int id = 1; id <= 3; ++id) {
    if (id != leader && id != other && cluster.node(id).up) return id;
  }
  return 0;
}

// Every node's store passes `verify`; then each one's `replay` output.
std::vector<std::string> VerifiedReplays(DevCluster& cluster) {
  std::vector<std::string> replays;
  for (int id = 1; id <= 3; ++id) {
    RunOk({EVENTMART_BIN, "verify", "--data-dir", cluster.node(id).data_dir});
    replays.push_back(RunOk({EVENTMART_BIN, "replay", "--data-dir", cluster.node(id).data_dir}).out);
  }
  return replays;
}

}  // namespace

TEST_CASE("A cluster acknowledges with one follower down, refuses with two down, and a wiped node catches up",
          "[cluster]") {
  DevCluster cluster("cluster-quorum");
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  REQUIRE(cluster.WaitForAgreement(leader));
  int follower = AnyFollower(cluster, leader);
  int other = AnyFollower(cluster, leader, follower);

  // Every node reports the same leader, and the contract's fields
  auto status = cluster.Status(follower);
  REQUIRE_FALSE(status.is_null());
  CHECK(status["nodeId"] == follower);
  CHECK(status["role"] == "follower");
  CHECK(status["leaderId"] == leader);
  CHECK(status["leaderUrl"] == cluster.node(leader).url);
  CHECK(status["term"].get<std::int64_t>() > 0);
  CHECK(status["members"].size() == 3);

  // A command sent to a follower is redirected to the same path on the leader
  HttpClient on_follower("127.0.0.1", PortOf(cluster.node(follower).url));
  auto redirected = on_follower.Post("/api/v1/users", R"({"name":"ann"})");
  CHECK(redirected.status == 307);
  CHECK(redirected.headers["location"] == cluster.node(leader).url + "/api/v1/users");

  // The leader's answer carries the position, which any follower can wait for
  HttpClient on_leader("127.0.0.1", PortOf(cluster.node(leader).url));
  auto created = on_leader.Post("/api/v1/users", R"({"name":"ann"})");
  REQUIRE(created.status == 201);
  std::int64_t ann = created.json()["userId"];
  REQUIRE(PositionOf(created) > 0);
  auto charged = on_leader.Post("/api/v1/points/" + Id(ann) + "/charge", R"({"amount":1000})");
  REQUIRE(charged.status == 200);
  CHECK(BalanceOn(cluster, follower, ann, PositionOf(charged)) == 1000);

  // A position nobody has reached: the bounded wait ends in 503 NOT_READY
  auto unreached = on_follower.Get("/api/v1/points/" + Id(ann), {"EventMart-Min-Position: 999999999"});
  CheckError(unreached, 503, "NOT_READY");
  CheckError(on_follower.Get("/api/v1/points/" + Id(ann), {"EventMart-Min-Position: soon"}), 400, "INVALID_REQUEST");

  // When one follower's machine is lost, a command is still acknowledged and is on the other follower
  cluster.KillMachine(follower);
  auto second = on_leader.Post("/api/v1/points/" + Id(ann) + "/charge", R"({"amount":200})");
  REQUIRE(second.status == 200);
  CHECK(BalanceOn(cluster, other, ann, PositionOf(second)) == 1200);
  CHECK(BalanceOn(cluster, leader, ann, PositionOf(second)) == 1200);

  // When a second machine is lost, commands are refused and none is acknowledged
  cluster.KillMachine(other);
  const std::vector<int> amounts = {7, 70, 700};
  for (int amount : amounts) {
    auto refused = on_leader.Post("/api/v1/points/" + Id(ann) + "/charge",
                                  R"({"amount":)" + std::to_string(amount) + "}",
                                  {"Idempotency-Key: refused-" + std::to_string(amount)});
    INFO(refused.body);
    CHECK(refused.status == 503);
    // NO_LEADER: not applied. STORE_UNAVAILABLE: its etcd transaction timed
    // out, so it may still commit once etcd has a majority again.
    CHECK((refused.json()["code"] == "NO_LEADER" || refused.json()["code"] == "STORE_UNAVAILABLE"));
  }

  // Then, with the machines back and node 'follower' wiped, the wiped node
  // catches up, and resending the refused commands with their keys applies
  // each exactly once (the first answer if it had committed after all)
  std::filesystem::remove_all(cluster.node(follower).data_dir);
  cluster.RestartEtcd(other);
  cluster.RestartEtcd(follower);
  cluster.RestartNode(other);
  cluster.RestartNode(follower);
  REQUIRE(cluster.WaitForLeader() != 0);
  LeaderClient client(cluster, other);
  Response last;
  for (int amount : amounts) {
    last = client.Post("/api/v1/points/" + Id(ann) + "/charge", R"({"amount":)" + std::to_string(amount) + "}",
                       "refused-" + std::to_string(amount));
    REQUIRE(last.status == 200);
  }
  auto after = client.Post("/api/v1/points/" + Id(ann) + "/charge", R"({"amount":1})", "after-recovery");
  REQUIRE(after.status == 200);
  for (int id = 1; id <= 3; ++id) CHECK(BalanceOn(cluster, id, ann, PositionOf(after)) == 1200 + 777 + 1);
}

TEST_CASE("kill -9 of the leader under order and pay load loses no acknowledged command", "[cluster]") {
  DevCluster cluster("cluster-failover");
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  LeaderClient setup(cluster, leader);
  auto product = setup.Post("/api/v1/admin/products", R"({"name":"Mug","price":10,"stock":100000})", "product",
                            15s, {kAdmin});
  REQUIRE(product.status == 201);
  auto line = OneLine(product.json(), 1);
  constexpr int kWriters = 4;
  std::vector<std::int64_t> users;
  for (int w = 0; w < kWriters; ++w) {
    auto user = setup.Post("/api/v1/users", R"({"name":"w)" + std::to_string(w) + R"("})", "user-" + std::to_string(w));
    REQUIRE(user.status == 201);
    users.push_back(user.json()["userId"]);
    REQUIRE(setup.Post("/api/v1/points/" + Id(users.back()) + "/charge", R"({"amount":1000000})",
                       "charge-" + std::to_string(w)).status == 200);
  }

  // Given writers placing and paying orders through whoever leads
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::int64_t, bool> acknowledged;  // order id -> paid acknowledged
  std::vector<std::chrono::steady_clock::time_point> ack_times;
  std::int64_t max_position = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      LeaderClient client(cluster, leader);
      for (int i = 0; !stop; ++i) {
        std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto placed = client.Post("/api/v1/orders", OrderBody(users[w], line), key + "-order", 20s);
        if (placed.status != 201) continue;
        std::int64_t order = placed.json()["orderId"];
        {
          std::lock_guard lock(mu);
          acknowledged[order] = false;
          ack_times.push_back(std::chrono::steady_clock::now());
          max_position = std::max(max_position, PositionOf(placed));
        }
        auto paid = client.Post("/api/v1/payments", PayBody(order, users[w]), key + "-pay", 20s);
        if (paid.status != 200) continue;
        std::lock_guard lock(mu);
        acknowledged[order] = true;
        ack_times.push_back(std::chrono::steady_clock::now());
        max_position = std::max(max_position, PositionOf(paid));
      }
    });
  }

  // When the leader is killed with SIGKILL in the middle of it
  std::this_thread::sleep_for(1500ms);
  auto killed_at = std::chrono::steady_clock::now();
  cluster.KillNode(leader);
  int successor = cluster.WaitForLeader(15s, leader);
  std::this_thread::sleep_for(2000ms);
  stop = true;
  for (auto& t : writers) t.join();

  // Then a new leader acknowledged commands within 5 s
  REQUIRE(successor != 0);
  std::optional<double> first_ack_after;
  for (auto t : ack_times) {
    if (t > killed_at) {
      double s = std::chrono::duration<double>(t - killed_at).count();
      if (!first_ack_after || s < *first_ack_after) first_ack_after = s;
    }
  }
  REQUIRE(first_ack_after);
  CHECK(*first_ack_after <= 5.0);
  REQUIRE(acknowledged.size() > 10);

  // And every acknowledged order is on every surviving node, paid when its payment was acknowledged
  for (int id = 1; id <= 3; ++id) {
    if (id == leader) continue;
    HttpClient c("127.0.0.1", PortOf(cluster.node(id).url));
    for (const auto& [order, paid] : acknowledged) {
      auto got = c.Get("/api/v1/orders/" + Id(order), {"EventMart-Min-Position: " + std::to_string(max_position)});
      INFO("node " << id << " order " << order << ": " << got.body);
      REQUIRE(got.status == 200);
      if (paid) CHECK(got.json()["status"] == "PAID");
    }
  }

  // And the killed node, restarted, converges: every store replays the same bytes and verifies
  cluster.RestartNode(leader);
  REQUIRE(cluster.WaitApplied(leader, max_position));
  auto final_status = cluster.Status(successor);
  std::int64_t commit = final_status["commitPosition"];
  for (int id = 1; id <= 3; ++id) {
    REQUIRE(cluster.WaitApplied(id, commit));
    BalanceOn(cluster, id, users[0], commit);  // and its read models have folded it all
  }
  cluster.StopAll();
  std::vector<std::string> replays = VerifiedReplays(cluster);
  CHECK(replays[0] == replays[1]);
  CHECK(replays[1] == replays[2]);
  std::map<std::int64_t, int> placed_events;
  for (const auto& event : JsonLines(replays[0])) {
    if (event["type"] == "order.OrderPlaced") ++placed_events[event["data"]["orderId"].get<std::int64_t>()];
  }
  for (const auto& [order, paid] : acknowledged) CHECK(placed_events[order] == 1);
}

TEST_CASE("A leader paused past its lease acknowledges nothing afterwards and leaks nothing", "[cluster]") {
  DevCluster cluster("cluster-paused");
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  LeaderClient setup(cluster, leader);
  auto user = setup.Post("/api/v1/users", R"({"name":"pat"})", "pat");
  REQUIRE(user.status == 201);
  std::int64_t pat = user.json()["userId"];

  // Given the leader paused with SIGSTOP, and charges sent to it meanwhile
  REQUIRE(kill(cluster.node(leader).pid, SIGSTOP) == 0);
  REQUIRE(WaitStopped(cluster.node(leader).pid));
  std::vector<std::future<Response>> sent;
  for (int i = 0; i < 3; ++i) {
    sent.push_back(std::async(std::launch::async, [&, i] {
      HttpClient c("127.0.0.1", PortOf(cluster.node(leader).url));
      return c.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":5})",
                    {"Idempotency-Key: paused-" + std::to_string(i)});
    }));
  }

  // When another node is elected and acknowledges a charge, and the old leader resumes
  cluster.node(leader).up = false;
  int successor = cluster.WaitForLeader(15s, leader);
  REQUIRE(successor != 0);
  LeaderClient client(cluster, successor);
  auto charged = client.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":1000})", "on-successor");
  REQUIRE(charged.status == 200);
  REQUIRE(kill(cluster.node(leader).pid, SIGCONT) == 0);
  cluster.node(leader).up = true;

  // Then none of the requests it held is acknowledged
  for (auto& f : sent) {
    auto r = f.get();
    INFO(r.status << " " << r.body);
    CHECK((r.status == 503 || r.status == 307));
  }
  // And it follows the new leader, and no node shows anything the old leader decided alone
  auto later = client.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":1})", "later");
  REQUIRE(later.status == 200);
  REQUIRE(cluster.WaitApplied(leader, PositionOf(later)));
  for (int id = 1; id <= 3; ++id) CHECK(BalanceOn(cluster, id, pat, PositionOf(later)) == 1001);
  CHECK(cluster.WaitForAgreement(successor));
}

TEST_CASE("Coupon and stock races across a failover stay exact", "[cluster]") {
  DevCluster cluster("cluster-races");
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  LeaderClient setup(cluster, leader);
  // Given a coupon of 45 and a product with 40 in stock, and 60 buyers (both
  // run out after the leader is killed: the new leader's model must know
  // what the old one gave out)
  auto coupon = setup.Post("/api/v1/admin/coupons",
                           R"({"name":"race","discountType":"FIXED","discountValue":10,"totalQuantity":45})", "coupon",
                           15s, {kAdmin});
  REQUIRE(coupon.status == 201);
  auto product = setup.Post("/api/v1/admin/products", R"({"name":"Lamp","price":100,"stock":40})", "lamp", 15s, {kAdmin});
  REQUIRE(product.status == 201);
  std::vector<std::int64_t> buyers;
  for (int i = 0; i < 60; ++i) {
    auto user = setup.Post("/api/v1/users", R"({"name":"b)" + std::to_string(i) + R"("})", "buyer-" + std::to_string(i));
    REQUIRE(user.status == 201);
    buyers.push_back(user.json()["userId"]);
  }

  // And one lamp bought and paid for at once by the first buyer
  REQUIRE(setup.Post("/api/v1/points/" + Id(buyers[0]) + "/charge", R"({"amount":1000})", "charge-0").status == 200);
  auto paid_order = setup.Post("/api/v1/orders", OrderBody(buyers[0], OneLine(product.json(), 1), R"(,"pay":true)"),
                               "paid-before");
  REQUIRE(paid_order.status == 201);
  REQUIRE(paid_order.json()["status"] == "PAID");

  // When every buyer asks for the coupon and one lamp, half before and half
  // during a kill -9 of the leader, each retrying with its key until answered
  std::atomic<int> issued{0}, sold_out{0}, ordered{0}, out_of_stock{0}, other{0};
  std::atomic<std::int64_t> max_position{0};
  auto buy = [&](int from, int to) {
    LeaderClient client(cluster, leader);
    for (int i = from; i < to; ++i) {
      auto got = client.Post("/api/v1/coupons/" + Id(coupon.json()["couponId"]) + "/issue", UserBody(buyers[i]),
                             "issue-" + std::to_string(i), 20s);
      if (got.status == 201) ++issued;
      else if (got.status == 409 && got.json()["code"] == "COUPON_SOLD_OUT") ++sold_out;
      else ++other;
      auto order = client.Post("/api/v1/orders", OrderBody(buyers[i], OneLine(product.json(), 1)),
                               "order-" + std::to_string(i), 20s);
      if (order.status == 201) ++ordered;
      else if (order.status == 409 && order.json()["code"] == "OUT_OF_STOCK") ++out_of_stock;
      else ++other;
      std::int64_t p = std::max(PositionOf(got), PositionOf(order));
      for (auto seen = max_position.load(); p > seen && !max_position.compare_exchange_weak(seen, p);) {
      }
    }
  };
  std::vector<std::thread> before;
  for (int t = 0; t < 3; ++t) before.emplace_back(buy, t * 10, t * 10 + 10);
  for (auto& t : before) t.join();
  std::vector<std::thread> during;
  for (int t = 0; t < 3; ++t) during.emplace_back(buy, 30 + t * 10, 30 + t * 10 + 10);
  std::this_thread::sleep_for(20ms);
  cluster.KillNode(leader);
  for (auto& t : during) t.join();

  // Then exactly 45 coupons and 40 lamps went out, and every surviving node says so
  CHECK(other == 0);
  CHECK(issued == 45);
  CHECK(sold_out == 15);
  CHECK(ordered == 39);  // and the one paid for before the failover
  CHECK(out_of_stock == 21);
  // And the new leader decided from its hot write model, where the order
  // paid before the failover is paid: paying it again is refused
  int successor = cluster.WaitForLeader(15s, leader);
  REQUIRE(successor != 0);
  CHECK(NodeLog(cluster, successor).find("leading from the hot write model") != std::string::npos);
  LeaderClient after(cluster, successor);
  auto again = after.Post("/api/v1/payments", PayBody(paid_order.json()["orderId"], buyers[0]), "pay-again");
  CHECK(again.status == 409);
  CHECK(again.json()["code"] == "ORDER_NOT_PAYABLE");
  for (int id = 1; id <= 3; ++id) {
    if (id == leader) continue;
    HttpClient c("127.0.0.1", PortOf(cluster.node(id).url));
    std::string wait = "EventMart-Min-Position: " + std::to_string(max_position.load());
    auto got_coupon = c.Get("/api/v1/coupons/" + Id(coupon.json()["couponId"]), {wait});
    REQUIRE(got_coupon.status == 200);
    CHECK(got_coupon.json()["remainingQuantity"] == 0);
    auto got_product = c.Get("/api/v1/products/" + Id(product.json()["productId"]), {wait});
    REQUIRE(got_product.status == 200);
    CHECK(got_product.json()["stock"] == 0);
  }
}

namespace {

// Node `id`'s command as the next version would run it: packing by default.
void DropPackingNone(DevCluster& cluster, int id) {
  auto& command = cluster.node(id).command;
  auto flag = std::find(command.begin(), command.end(), "--cluster-batch-packing");
  REQUIRE(flag != command.end());
  command.erase(flag, flag + 2);
}

// A product whose creation is one large, repetitive batch.
std::string ProductWithOptions(const std::string& name) {
  nlohmann::json options = nlohmann::json::array();
  for (int i = 0; i < 20; ++i) options.push_back({{"name", "size " + std::to_string(i)}, {"price", 1000 + i}, {"stock", 50}});
  return nlohmann::json{{"name", name}, {"options", options}}.dump();
}

// How many of etcd's log/ values are zstd-packed, and how many are not.
std::pair<int, int> PackedAndPlainBatches(DevCluster& cluster, int id) {
  const auto& etcd = cluster.node(id).etcd_command;
  auto url = std::find(etcd.begin(), etcd.end(), "--advertise-client-urls");
  REQUIRE(url + 1 < etcd.end());
  auto got = RunOk({"/usr/bin/etcdctl", "--endpoints", *(url + 1), "get", "--prefix", "/eventmart/log/", "-w", "json"});
  INFO(*(url + 1) << ": " << got.out.substr(0, 300));
  auto listed = nlohmann::json::parse(got.out);
  int packed = 0, plain = 0;
  for (const auto& kv : listed["kvs"]) {
    // A packed value starts with the bytes 0x00 0x01 (format zstd): the
    // first 16 bits of its base64.
    const std::string value = kv["value"];
    REQUIRE(value.size() >= 4);
    auto sextet = [](char c) -> unsigned {
      return std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").find(c);
    };
    unsigned first16 = sextet(value[0]) << 10 | sextet(value[1]) << 4 | sextet(value[2]) >> 2;
    (first16 == 0x0001 ? packed : plain) += 1;
  }
  CHECK(packed + plain > 0);
  return {packed, plain};
}

}  // namespace

TEST_CASE("Given a cluster upgraded node by node from unpacked to packed batches in etcd, every node ends with the same log",
          "[cluster]") {
  // Given three nodes that store batches unpacked, as the version before packing did
  DevCluster cluster("cluster-packing", {"--cluster-batch-packing", "none"});
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  REQUIRE(cluster.WaitForAgreement(leader));
  LeaderClient client(cluster, leader);
  auto user = client.Post("/api/v1/users", R"({"name":"pat"})", "pat");
  REQUIRE(user.status == 201);
  std::int64_t pat = user.json()["userId"];
  Response last;
  for (int i = 1; i <= 3; ++i) {
    last = client.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":10})", "before-" + std::to_string(i));
    REQUIRE(last.status == 200);
  }
  REQUIRE(client.Post("/api/v1/admin/products", ProductWithOptions("before"), "product-before", 15s, {kAdmin}).status == 201);

  // When each follower restarts packing, then the leader is killed and one of them leads
  for (int id = 1; id <= 3; ++id) {
    if (id == leader) continue;
    REQUIRE(cluster.WaitApplied(id, PositionOf(last)));
    cluster.KillNode(id);
    DropPackingNone(cluster, id);
    cluster.RestartNode(id);
  }
  cluster.KillNode(leader);
  int successor = cluster.WaitForLeader(15s, leader);
  REQUIRE(successor != 0);
  for (int i = 1; i <= 3; ++i) {
    last = client.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":100})", "after-" + std::to_string(i));
    REQUIRE(last.status == 200);
    // A batch of one charge does not shrink (it is stored as is); one with many options does.
    auto product = client.Post("/api/v1/admin/products", ProductWithOptions("after-" + std::to_string(i)),
                               "product-after-" + std::to_string(i), 15s, {kAdmin});
    REQUIRE(product.status == 201);
  }
  // And the old leader comes back packing too, behind by packed batches
  DropPackingNone(cluster, leader);
  cluster.RestartNode(leader);
  last = client.Post("/api/v1/points/" + Id(pat) + "/charge", R"({"amount":1000})", "last");
  REQUIRE(last.status == 200);

  // Then etcd's log holds both forms, every node applied both, and their logs are byte-identical
  auto [packed, plain] = PackedAndPlainBatches(cluster, successor);
  CHECK(packed >= 3);
  CHECK(plain >= 5);
  for (int id = 1; id <= 3; ++id) {
    REQUIRE(cluster.WaitApplied(id, PositionOf(last)));
    CHECK(BalanceOn(cluster, id, pat, PositionOf(last)) == 30 + 300 + 1000);
  }
  cluster.StopAll();
  std::vector<std::string> replays = VerifiedReplays(cluster);
  CHECK(replays[0] == replays[1]);
  CHECK(replays[1] == replays[2]);
}

TEST_CASE("Members further behind than etcd keeps catch up from a peer by themselves, idempotency records included",
          "[cluster]") {
  DevCluster cluster("cluster-copy", {"--cluster-retain-batches", "100"});  // the smallest serve takes
  int leader = cluster.WaitForLeader();
  REQUIRE(leader != 0);
  REQUIRE(cluster.WaitForAgreement(leader));
  int down = AnyFollower(cluster, leader);
  int wiped = AnyFollower(cluster, leader, down);
  LeaderClient client(cluster, leader);
  auto user = client.Post("/api/v1/users", R"({"name":"cy"})", "cy");
  REQUIRE(user.status == 201);
  std::int64_t cy = user.json()["userId"];
  REQUIRE(client.Post("/api/v1/points/" + Id(cy) + "/charge", R"({"amount":1})", "charge-0").status == 200);
  REQUIRE(cluster.WaitApplied(down, PositionOf(user)));

  // Given one follower crashed and the other stopped with its folder wiped
  cluster.KillNode(down);
  cluster.KillNode(wiped, SIGTERM);
  std::filesystem::remove_all(cluster.node(wiped).data_dir);

  // When the leader commits far more batches than etcd keeps (each charge is
  // its own batch), and a refused command with a key is recorded too
  std::map<int, std::string> answers;
  Response last;
  for (int i = 1; i <= 150; ++i) {
    last = client.Post("/api/v1/points/" + Id(cy) + "/charge", R"({"amount":)" + std::to_string(i) + "}",
                       "charge-" + std::to_string(i));
    REQUIRE(last.status == 200);
    answers[i] = last.body;
  }
  auto refused = client.Post("/api/v1/points/999999/charge", R"({"amount":5})", "refused");
  REQUIRE(refused.status == 404);
  // (the leader trims etcd's log every ~2 s)
  std::this_thread::sleep_for(3s);

  // And both members come back
  cluster.RestartNode(down);
  cluster.RestartNode(wiped);

  // Then each converges by itself, having copied what etcd no longer had from a peer
  auto tail = client.Post("/api/v1/points/" + Id(cy) + "/charge", R"({"amount":1000})", "after");
  REQUIRE(tail.status == 200);
  for (int id : {down, wiped}) {
    INFO("node " << id);
    REQUIRE(cluster.WaitApplied(id, PositionOf(tail)));
    CHECK(BalanceOn(cluster, id, cy, PositionOf(tail)) == 1 + 150 * 151 / 2 + 1000);
    CHECK(NodeLog(cluster, id).find("idempotency records from node") != std::string::npos);
  }

  // And the copy routes answer pages with the admin token only, and refuse bad cursors
  HttpClient peer("127.0.0.1", PortOf(cluster.node(leader).url));
  auto page = peer.Get("/api/v1/admin/cluster/log?from=1&limit=2", {kAdmin});
  CHECK(page.status == 200);
  CHECK(page.headers["content-type"] == "application/octet-stream");
  CHECK(std::stoll(page.headers["eventmart-end"]) >= PositionOf(tail));
  CHECK(peer.Get("/api/v1/admin/cluster/log?from=1").status == 401);
  CheckError(peer.Get("/api/v1/admin/cluster/log?from=0", {kAdmin}), 400, "INVALID_REQUEST");
  CheckError(peer.Get("/api/v1/admin/cluster/commands?after=zz", {kAdmin}), 400, "INVALID_REQUEST");

  // And when every other node is down, the member that was down leads and
  // answers a repeated key with the first outcome, changing nothing
  cluster.KillNode(leader);
  cluster.KillNode(wiped);
  REQUIRE(cluster.WaitForLeader(15s) == down);
  LeaderClient on_down(cluster, down);
  auto repeated = on_down.Post("/api/v1/points/" + Id(cy) + "/charge", R"({"amount":7})", "charge-7");
  CHECK(repeated.status == 200);
  CHECK(repeated.body == answers[7]);
  auto refused_again = on_down.Post("/api/v1/points/999999/charge", R"({"amount":5})", "refused");
  CHECK(refused_again.status == 404);
  CHECK(refused_again.body == refused.body);
  auto balance = on_down.Post("/api/v1/points/" + Id(cy) + "/charge", R"({"amount":1})", "one-more");
  REQUIRE(balance.status == 200);
  CHECK(balance.json()["balance"] == 1 + 150 * 151 / 2 + 1000 + 1);

  // And every store verifies and replays the same bytes once all have it
  cluster.RestartNode(leader);
  cluster.RestartNode(wiped);
  for (int id = 1; id <= 3; ++id) REQUIRE(cluster.WaitApplied(id, PositionOf(balance)));
  cluster.StopAll();
  std::vector<std::string> replays = VerifiedReplays(cluster);
  CHECK(replays[0] == replays[1]);
  CHECK(replays[1] == replays[2]);
}

TEST_CASE("Only the leader relays to Kafka, and after a kill -9 the new leader skips nothing", "[cluster][kafka]") {
  Process kafka({EVENTMART_BIN, "dev-kafka", "--partitions", "2"});
  std::string brokers;
  REQUIRE(kafka.ReadLine(&brokers, 30'000));
  {
    DevCluster cluster("cluster-relay", {"--kafka-brokers", brokers});
    int leader = cluster.WaitForLeader();
    REQUIRE(leader != 0);
    // Given events relayed by the first leader
    LeaderClient client(cluster, leader);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(client.Post("/api/v1/users", R"({"name":"k)" + std::to_string(i) + R"("})", "first-" + std::to_string(i))
                  .status == 201);
    }
    std::this_thread::sleep_for(1500ms);  // its checkpoint is saved and published meanwhile

    // When it is killed and the next leader takes more commands
    cluster.KillNode(leader);
    Response last;
    for (int i = 0; i < 10; ++i) {
      last = client.Post("/api/v1/users", R"({"name":"n)" + std::to_string(i) + R"("})", "next-" + std::to_string(i));
      REQUIRE(last.status == 201);
    }
    std::uint64_t head = PositionOf(last);
    int successor = cluster.WaitForLeader(15s, leader);
    REQUIRE(successor != 0);

    // Then the topics hold every event of the log, each as `replay` prints it (a repeat is the same event)
    auto replay = RunOk({EVENTMART_BIN, "replay", "--data-dir", cluster.node(successor).data_dir});
    std::map<std::uint64_t, std::string> log;
    for (const auto& line : Lines(replay.out)) log[nlohmann::json::parse(line)["position"].get<std::uint64_t>()] = line;
    REQUIRE(log.size() == head);
    std::set<std::uint64_t> positions;
    auto records = ReadTopics(brokers, {"eventmart.user"}, [&](const std::vector<KafkaRecord>& r) {
      std::set<std::uint64_t> seen;
      for (const auto& record : r) seen.insert(nlohmann::json::parse(record.value)["position"].get<std::uint64_t>());
      return seen.size() >= head;
    }, 30s);
    for (const auto& r : records) {
      auto position = nlohmann::json::parse(r.value)["position"].get<std::uint64_t>();
      positions.insert(position);
      INFO(r.value);
      REQUIRE(log.contains(position));
      CHECK(r.value == log.at(position));
    }
    CHECK(positions.size() == head);
    // And the new leader resumed near the old one's checkpoint, not from the start
    CHECK(records.size() < head + 10);
  }
  kafka.Signal(SIGTERM);
  kafka.Wait();
}

TEST_CASE("serve refuses cluster flags it cannot use, with one line naming the problem", "[cluster][cli]") {
  std::string dir = TempDir("cluster-flags");
  auto serve = [&](std::vector<std::string> flags) {
    std::vector<std::string> argv = {EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return Run(argv);
  };
  const std::string etcd = "http://127.0.0.1:1";
  auto not_a_peer = serve({"--node-id", "4", "--peers", "1=http://127.0.0.1:8080", "--etcd-endpoints", etcd});
  CHECK(not_a_peer.exit_code == 2);
  CHECK(not_a_peer.err.find("--node-id 4 is not in --peers") != std::string::npos);
  auto bad_url = serve({"--node-id", "1", "--peers", "1=ftp://x", "--etcd-endpoints", etcd});
  CHECK(bad_url.exit_code == 2);
  CHECK(bad_url.err.find("is not an http:// URL") != std::string::npos);
  auto twice = serve({"--node-id", "1", "--peers", "1=http://a:1,1=http://b:1", "--etcd-endpoints", etcd});
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("named twice") != std::string::npos);
  auto alone = serve({"--node-id", "1"});
  CHECK(alone.exit_code == 2);
  auto demo = serve({"--node-id", "1", "--peers", "1=http://127.0.0.1:8080", "--etcd-endpoints", etcd, "--demo"});
  CHECK(demo.exit_code == 2);
  CHECK(demo.err.find("--demo") != std::string::npos);
  // And nothing was created in the data folder
  CHECK_FALSE(std::filesystem::exists(dir + "/events"));
}
