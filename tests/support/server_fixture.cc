#include "tests/support/server_fixture.h"

#include <stdexcept>

namespace eventmart::testing {

namespace {
template <class T>
T Must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().Describe());
  return std::move(*r);
}
}  // namespace

TestServer::TestServer(std::string dir, ServerConfig config)
    : dir_(std::move(dir)), clock_(config.clock ? config.clock : &system_clock_) {
  store_ = Must(RocksEventStore::Open(dir_ + "/events"), "open store");
  views_ = Must(ReadModelStore::Open(dir_ + "/views"), "open views");
  processor_ = std::make_unique<CommandProcessor>(
      *store_, *clock_, CommandProcessorOptions{.max_balance = config.max_balance, .order_ttl_ms = config.order_ttl_ms});
  Must(processor_->Start(), "start processor");
  projector_ = std::make_unique<Projector>(*store_, *views_, AllProjections(ranking_, clock_->NowMs()),
                                           AllProjectionsFactory(*clock_));
  if (auto started = projector_->Start(); !started) throw std::runtime_error(started.error().Describe());
  app_.reset(new App{*store_, processor_.get(), *projector_, *views_, *ranking_, *clock_, {.admin_token = config.admin_token, .rate_limits = config.rate_limits}});
  router_ = std::make_unique<Router>(MakeRouter(*app_));
  server_ = std::make_unique<HttpServer>(*router_, HttpServerOptions{.host = "127.0.0.1", .port = 0, .threads = 2,
                                                                     .read_timeout = config.read_timeout});
  app_->open_connections = [this] { return server_->counters().open_connections; };
  port_ = Must(server_->Start(), "start server");
}

TestServer::~TestServer() {
  server_->Stop();
  processor_->Stop();
  projector_->Stop();
}

}  // namespace eventmart::testing
