#include "tools/server_parts.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>

#include "api/http_server.h"

namespace eventmart::cli {

// The two stores open at once: neither needs the other, and on two cores
// a start waits for the slower one instead of both in turn.
std::optional<Stores> OpenStores(const std::string& data_dir, bool defer_view_compactions) {
  auto views = std::async(std::launch::async, [&] {
    return ReadModelStore::Open(data_dir + "/views", {.defer_compactions = defer_view_compactions});
  });
  auto log = RocksEventStore::Open(data_dir + "/events");
  auto opened_views = views.get();
  if (!log) {
    spdlog::error("cannot open the event log: {}", log.error().Describe());
    return std::nullopt;
  }
  if (!opened_views) {
    spdlog::error("cannot open the read models: {}", opened_views.error().Describe());
    return std::nullopt;
  }
  return Stores{std::move(*log), std::move(*opened_views)};
}

bool ServeUntilSignal(App& app, const HostPort& listen, int threads, std::string_view banner,
                      std::string_view description) {
  Router router = MakeRouter(app);
  HttpServer server(router, {.host = listen.host, .port = listen.port, .threads = threads});
  app.open_connections = [&server] { return server.counters().open_connections; };
  auto port = server.Start();
  if (!port) {
    spdlog::error("cannot listen: {}", port.error().Describe());
    app.open_connections = nullptr;
    return false;
  }
  std::printf("%.*s listening on http://%s:%u\n", static_cast<int>(banner.size()), banner.data(), listen.host.c_str(),
              *port);
  std::fflush(stdout);
  spdlog::info("listening on {}:{} ({})", listen.host, *port, description);
  server.WaitForSignal();
  app.open_connections = nullptr;
  return true;
}

}  // namespace eventmart::cli
