// api/http_server.h
// HTTP/1.1 server on Boost.Beast: keep-alive sessions on a small pool of
// I/O threads. A session owns its socket; routes never see it. Limits:
// body size (413), header size (431), one timeout for reading a request
// (which also closes idle keep-alive connections), and a cap on open
// connections (extra connections are answered 503 OVERLOADED and closed).
// Stop() stops accepting, lets requests in flight finish, closes idle
// connections, and returns when every session is gone or the grace period
// has passed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "domain/result.h"

namespace eventmart {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port
  int threads = 2;
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds read_timeout{15'000};
  std::size_t max_connections = 10'000;
  std::chrono::milliseconds drain_grace{5'000};
};

struct HttpServerCounters {
  std::uint64_t open_connections = 0;
  std::uint64_t requests = 0;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it
// starts afterwards, so that WaitForSignal() receives them whenever they come.
void BlockStopSignals();
// Makes WaitForSignal() return as if SIGTERM had come (a part that cannot
// go on, e.g. state that failed to load, stops the process this way).
void StopServing();

class HttpServer {
 public:
  HttpServer(const Router& router, HttpServerOptions options);
  ~HttpServer();

  // Binds and starts the I/O threads. Returns the bound port.
  [[nodiscard]] Result<std::uint16_t> Start();
  // Drains and stops; safe to call more than once and from any thread.
  void Stop();
  // Blocks until SIGINT or SIGTERM, then Stop()s. Call BlockStopSignals()
  // first, before any thread starts.
  void WaitForSignal();

  HttpServerCounters counters() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventmart
