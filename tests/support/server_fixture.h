// tests/support/server_fixture.h
// The whole service in-process on a free loopback port, for HTTP tests.
#pragma once

#include <memory>
#include <string>

#include "api/app.h"
#include "api/http_server.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace eventmart::testing {

struct ServerConfig {
  Money max_balance = kDefaultMaxBalance;
  TimeMs order_ttl_ms = 5 * 60 * 1000;
  const Clock* clock = nullptr;  // default: the system clock
  std::chrono::milliseconds read_timeout{15'000};
  std::string admin_token = "secret";
  RateLimitConfig rate_limits;  // none by default
};

class TestServer {
 public:
  explicit TestServer(std::string dir, ServerConfig config = {});
  ~TestServer();

  HttpClient Client() const { return HttpClient("127.0.0.1", port_); }
  int port() const { return port_; }
  RocksEventStore& store() { return *store_; }
  CommandProcessor& processor() { return *processor_; }
  Projector& projector() { return *projector_; }
  ReadModelStore& views() { return *views_; }

 private:
  std::string dir_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::shared_ptr<SalesRanking> ranking_ = std::make_shared<SalesRanking>();
  std::unique_ptr<RocksEventStore> store_;
  std::unique_ptr<ReadModelStore> views_;
  std::unique_ptr<CommandProcessor> processor_;
  std::unique_ptr<Projector> projector_;
  std::unique_ptr<App> app_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

}  // namespace eventmart::testing
