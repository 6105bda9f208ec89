// Operators' and analysts' verbs, run as their users run them: the built
// binary in a subprocess, on a real store, live or stopped.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "eventstore/codec.h"
#include "eventstore/rocks_event_store.h"
#include "projections/read_model_store.h"

#include <rocksdb/write_batch.h>
#include "tests/support/cli_helpers.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

// A small realistic store, made the way an analyst would make one.
std::string LoadedStore(const std::string& name) {
  std::string dir = TempDir(name);
  auto load = Run({EVENTMART_BIN, "load", "--data-dir", dir, "--users", "50", "--products", "10", "--orders", "300",
                   "--in-flight", "16"});
  REQUIRE(load.exit_code == 0);
  return dir;
}

std::vector<std::string> Serve(const std::string& dir) {
  return {EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--admin-token", "secret"};
}

// Appends to the stopped store in `dir`, at any version, the stream
// `make(store)` returns: damage that only a bug or a hand could do.
template <class Make>
void AppendBehindItsBack(const std::string& dir, Make make) {
  auto store = RocksEventStore::Open(dir + "/events");
  REQUIRE(store);
  AppendRequest bad;
  bad.streams.push_back(make(**store));
  REQUIRE((*store)->Append(bad));
}

// `verify` on the store in `dir` (with `flags`), which must find something
// wrong (exit code 1): what it printed.
std::string VerifyFinds(const std::string& dir, const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv = {EVENTMART_BIN, "verify", "--data-dir", dir};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto found = Run(argv);
  CHECK(found.exit_code == 1);
  return found.out;
}

}  // namespace

TEST_CASE("replay prints every event as a JSON line, and filters", "[cli][replay]") {
  std::string dir = LoadedStore("replay");
  auto lines = Lines(RunOk({EVENTMART_BIN, "replay", "--data-dir", dir}).out);
  auto stats = nlohmann::json::parse(Run({EVENTMART_BIN, "stats", "--data-dir", dir, "--json"}).out);
  REQUIRE(lines.size() == stats["events"].get<std::size_t>());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto e = nlohmann::json::parse(lines[i]);
    REQUIRE(e["position"] == i + 1);
    REQUIRE(e["eventId"].get<std::string>().size() == 36);
    REQUIRE(e["data"].is_object());
    REQUIRE(e.contains("stream"));
    REQUIRE(e.contains("version"));
    REQUIRE(e.contains("type"));
    REQUIRE(e["occurredAt"].get<std::string>().ends_with("Z"));
  }
  auto paid = Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--type", "order.OrderPaid", "--type", "order.OrderExpired"}).out);
  CHECK(paid.size() == stats["eventsPerType"]["order.OrderPaid"].get<std::size_t>() +
                           stats["eventsPerType"]["order.OrderExpired"].get<std::size_t>());
  for (const auto& line : paid) {
    auto type = nlohmann::json::parse(line)["type"].get<std::string>();
    CHECK((type == "order.OrderPaid" || type == "order.OrderExpired"));
  }
  CHECK(Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--category", "user"}).out).size() == 50);
  auto one = Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--stream", "user-7"}).out);
  REQUIRE(one.size() == 1);
  CHECK(nlohmann::json::parse(one[0])["data"]["userId"] == 7);
  CHECK(Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--from-position", "10", "--to-position", "20"}).out).size() == 11);
  CHECK(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--since", "2999-01-01T00:00:00Z"}).out.empty());
  CHECK(Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--until", "2999-01-01T00:00:00Z"}).out).size() == lines.size());
  CHECK(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--since", "last tuesday"}).exit_code == 2);
  CHECK(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--format", "xml"}).exit_code == 2);
  CHECK(Run({EVENTMART_BIN, "replay", "--data-dir", dir + "-nothing"}).exit_code == 1);
  auto csv = Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--format", "csv", "--category", "user"}).out);
  REQUIRE(csv.size() == 51);
  CHECK(csv[0] == "eventId,stream,version,position,type,occurredAt,data");
  CHECK(csv[1].find(",user-1,1,1,user.UserRegistered,") != std::string::npos);
  CHECK(csv[1].find("\"{\"\"userId\"\":1,") != std::string::npos);
}

TEST_CASE("replay --follow tails a store a server is writing", "[cli][replay]") {
  std::string dir = TempDir("replay-follow");
  Process server(Serve(dir), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  REQUIRE(c.Post("/api/v1/users", R"({"name":"first"})").status == 201);
  Process follow({EVENTMART_BIN, "replay", "--data-dir", dir, "--follow"}, dir + "/replay.log");
  std::string line;
  REQUIRE(follow.ReadLine(&line, 10'000));
  CHECK(nlohmann::json::parse(line)["data"]["name"] == "first");
  REQUIRE(c.Post("/api/v1/users", R"({"name":"second"})").status == 201);
  REQUIRE(follow.ReadLine(&line, 10'000));
  CHECK(nlohmann::json::parse(line)["data"]["name"] == "second");
  follow.Signal(SIGTERM);
  CHECK(follow.Wait() == 0);
}

TEST_CASE("rebuild refuses a live store, then rebuilds to the same answers", "[cli][rebuild]") {
  std::string dir = LoadedStore("rebuild");
  std::vector<std::string> before;
  auto answers = [&](HttpClient& c) {
    std::vector<std::string> out;
    for (const char* path : {"/api/v1/points/1", "/api/v1/points/2/history?limit=50", "/api/v1/products?includeSoldOut=true",
                             "/api/v1/coupons/1", "/api/v1/coupons?userId=4&status=ALL", "/api/v1/orders?userId=3&limit=100",
                             "/api/v1/products/best?days=30&limit=10", "/api/v1/users/5/cart"}) {
      auto r = c.Get(path);
      REQUIRE(r.status == 200);
      auto body = r.json();
      body.erase("from");  // the best sellers' window moves with the clock
      body.erase("to");
      out.push_back(body.dump());
    }
    return out;
  };
  {
    Process server(Serve(dir), dir + "/server.log");
    int port = StartServer(server);
    REQUIRE(port > 0);
    HttpClient c("127.0.0.1", port);
    before = answers(c);
    auto refused = Run({EVENTMART_BIN, "rebuild", "--data-dir", dir});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("in use by a running server") != std::string::npos);
    server.Signal(SIGTERM);
    REQUIRE(server.Wait() == 0);
  }
  CHECK(Run({EVENTMART_BIN, "rebuild", "--data-dir", dir, "--projection", "nope"}).exit_code == 2);
  auto rebuilt = RunOk({EVENTMART_BIN, "rebuild", "--data-dir", dir, "--projection", "all"});
  CHECK(rebuilt.out.find("rebuilt 6 projection(s)") != std::string::npos);
  RunOk({EVENTMART_BIN, "rebuild", "--data-dir", dir, "--projection", "orders"});
  // Every key of every read model equals a fold through the live projector's path.
  auto verified = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  Process server(Serve(dir), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  CHECK(answers(c) == before);
}

TEST_CASE("verify passes a sound store and finds damage done on purpose", "[cli][verify]") {
  std::string dir = LoadedStore("verify");
  auto clean = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(clean.out);
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find(" 0 violations, 0 read-model differences") != std::string::npos);

  SECTION("a charge that breaks the balance limit") {
    AppendBehindItsBack(dir, [](const EventStore&) {
      return StreamAppend{"account-1", ExpectedVersion::Any(),
                          {EncodeEvent(PointsCharged{.user_id = 1, .amount = 5, .balance_after = 99'999'999}, {})}};
    });
    auto found = VerifyFinds(dir, {"--skip-read-models"});
    CHECK(found.find("stream account-1") != std::string::npos);
    CHECK(found.find("over the limit") != std::string::npos);
  }
  SECTION("two users bound to one token subject") {
    AppendBehindItsBack(dir, [](const EventStore&) {
      return StreamAppend{"user-900001", ExpectedVersion::Any(),
                          {EncodeEvent(UserRegistered{.user_id = 900001, .name = "a", .issuer = "iss", .subject = "sam"}, {})}};
    });
    REQUIRE(Run({EVENTMART_BIN, "verify", "--data-dir", dir, "--skip-read-models"}).exit_code == 0);
    AppendBehindItsBack(dir, [](const EventStore&) {
      return StreamAppend{"user-900002", ExpectedVersion::Any(),
                          {EncodeEvent(UserRegistered{.user_id = 900002, .name = "b", .issuer = "iss", .subject = "sam"}, {})}};
    });
    auto found = VerifyFinds(dir, {"--skip-read-models"});
    CHECK(found.find("stream user-900002: subject 'sam' of 'iss' bound to users 900001 and 900002") != std::string::npos);
  }
  SECTION("a coupon issued beyond its quantity and twice to one user") {
    AppendBehindItsBack(dir, [](const EventStore& store) {
      auto coupon = store.ReadStream("coupon-1", 1, 1);
      REQUIRE(coupon);
      const EventRecord& record = coupon->front().record;
      auto created = std::get<CouponCreated>(DecodeEvent(record.type, record.schema_version, record.body).value());
      StreamAppend append{"coupon-1", ExpectedVersion::Any(), {}};
      for (Quantity i = 0; i <= created.total_quantity; ++i) {
        append.events.push_back(EncodeEvent(CouponIssued{.coupon_id = 1, .user_id = 2, .user_coupon_id = 900000 + i}, {}));
      }
      return append;
    });
    auto found = VerifyFinds(dir, {"--skip-read-models"});
    CHECK(found.find("stream coupon-1: coupon 1 issued twice to user 2") != std::string::npos);
    CHECK(found.find("beyond its quantity") != std::string::npos);
  }
  SECTION("a read model that no longer matches the log") {
    REQUIRE(Run({EVENTMART_BIN, "rebuild", "--data-dir", dir}).exit_code == 0);
    REQUIRE(Run({EVENTMART_BIN, "verify", "--data-dir", dir}).exit_code == 0);
    {
      auto views = ReadModelStore::Open(dir + "/views");
      REQUIRE(views);
      std::string key = "balances/b";
      for (int i = 0; i < 7; ++i) key.push_back('\0');
      key.push_back('\1');  // user 1's balance
      rocksdb::WriteBatch batch;
      batch.Put(key, std::string(8, '\x7f'));
      REQUIRE((*views)->Write(batch));
      REQUIRE((*views)->Flush());
    }
    CHECK(VerifyFinds(dir).find("differs from a fresh fold") != std::string::npos);
  }
}

TEST_CASE("backup of a live store starts a server that gives the same answers", "[cli][backup]") {
  std::string dir = LoadedStore("backup");
  std::string copy = TempDir("backup-copy") + "/store";
  Process server(Serve(dir), dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  REQUIRE(c.Post("/api/v1/points/1/charge", R"({"amount":1})").status != 0);
  auto backup = Run({EVENTMART_BIN, "backup", "--data-dir", dir, "--to", copy});
  INFO(backup.err);
  REQUIRE(backup.exit_code == 0);
  CHECK(backup.out.find("a live store") != std::string::npos);
  CHECK(Run({EVENTMART_BIN, "backup", "--data-dir", dir, "--to", copy}).exit_code == 1);  // never over an existing folder
  CHECK(Run({EVENTMART_BIN, "verify", "--data-dir", copy}).exit_code == 0);

  Process restored(Serve(copy), copy + "-server.log");
  int restored_port = StartServer(restored);
  REQUIRE(restored_port > 0);
  HttpClient r("127.0.0.1", restored_port);
  for (const char* path : {"/api/v1/points/1", "/api/v1/points/1/history?limit=100", "/api/v1/products?includeSoldOut=true",
                           "/api/v1/orders?userId=2&limit=100", "/api/v1/coupons?userId=1&status=ALL",
                           "/api/v1/products/best?days=30&limit=10"}) {
    INFO(path);
    auto restored_body = r.Get(path).json(), original_body = c.Get(path).json();
    for (auto* body : {&restored_body, &original_body}) {
      body->erase("from");
      body->erase("to");
    }
    CHECK(restored_body == original_body);
  }
}

TEST_CASE("stats reports read-model sizes too", "[cli][stats]") {
  std::string dir = LoadedStore("stats");
  Process server(Serve(dir), dir + "/server.log");
  REQUIRE(StartServer(server) > 0);
  server.Signal(SIGTERM);
  REQUIRE(server.Wait() == 0);
  auto stats = nlohmann::json::parse(Run({EVENTMART_BIN, "stats", "--data-dir", dir, "--json"}).out);
  CHECK(stats["readModels"]["balances"]["keys"].get<int>() > 50);
  CHECK(stats["readModels"]["orders"]["keys"].get<int>() >= 600);
  CHECK(stats["eventsPerType"]["order.OrderPlaced"] == 300);
}

TEST_CASE("A replay larger than one chunk runs on two cores and keeps position order", "[cli][replay][slow]") {
  std::string dir = TempDir("replay-parallel");
  REQUIRE(Run({EVENTMART_BIN, "load", "--data-dir", dir, "--users", "3000", "--products", "40", "--orders", "30000"}).exit_code == 0);
  auto stats = nlohmann::json::parse(Run({EVENTMART_BIN, "stats", "--data-dir", dir, "--json"}).out);
  std::size_t events = stats["events"];
  REQUIRE(events > 2 * 65536);  // at least three chunks for the two workers
  auto lines = Lines(RunOk({EVENTMART_BIN, "replay", "--data-dir", dir}).out);
  REQUIRE(lines.size() == events);
  std::size_t out_of_order = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (nlohmann::json::parse(lines[i])["position"] != i + 1) ++out_of_order;
  }
  CHECK(out_of_order == 0);
  // A filtered replay over the same span agrees with filtering the full one.
  auto paid = Lines(Run({EVENTMART_BIN, "replay", "--data-dir", dir, "--type", "order.OrderPaid"}).out);
  std::size_t expected = 0;
  for (const auto& line : lines) expected += line.find("\"type\":\"order.OrderPaid\"") != std::string::npos;
  CHECK(paid.size() == expected);
}
