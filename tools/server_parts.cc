#include "tools/server_parts.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "api/http_server.h"

namespace eventmart::cli {

std::optional<Stores> OpenStores(const std::string& data_dir) {
  auto log = RocksEventStore::Open(data_dir + "/events");
  if (!log) {
    spdlog::error("cannot open the event log: {}", log.error().Describe());
    return std::nullopt;
  }
  auto views = ReadModelStore::Open(data_dir + "/views");
  if (!views) {
    spdlog::error("cannot open the read models: {}", views.error().Describe());
    return std::nullopt;
  }
  return Stores{std::move(*log), std::move(*views)};
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
