// api/app.h
// What the routes work with, and the route table for the whole service.
#pragma once

#include <chrono>
#include <string>

#include "api/router.h"
#include "commands/command_processor.h"
#include "api/metrics.h"
#include "eventstore/kafka/feed_replica.h"
#include "eventstore/kafka/relay.h"
#include "eventstore/rocks_event_store.h"
#include "projections/best_seller_projection.h"
#include "projections/projector.h"
#include "projections/read_model_store.h"

namespace eventmart {

struct AppOptions {
  std::string admin_token;
  std::chrono::milliseconds read_wait{5000};  // how long a query waits for projections
};

// The service's parts. A query node (`eventmart project`) has no command
// processor: its router answers every command route with 405.
struct App {
  RocksEventStore& log;
  CommandProcessor* commands;
  Projector& projector;
  ReadModelStore& views;
  SalesRanking& ranking;
  const Clock& clock;
  AppOptions options;
  const KafkaRelay* relay = nullptr;  // set when serve publishes to Kafka
  const FeedReplica* feed = nullptr;  // set on a query node
  Metrics metrics{};
  std::function<std::uint64_t()> open_connections{};  // set once the server runs
};

Router MakeRouter(App& app);

// Route groups (api/routes/*.cc).
void AddOpsRoutes(Router& router, App& app);
void AddUserRoutes(Router& router, App& app);
void AddPointRoutes(Router& router, App& app);
void AddProductRoutes(Router& router, App& app);
void AddCouponRoutes(Router& router, App& app);
void AddCartRoutes(Router& router, App& app);
void AddOrderRoutes(Router& router, App& app);
void AddAdminRoutes(Router& router, App& app);
void AddKafkaRoutes(Router& router, App& app);
void AddConsoleRoutes(Router& router, App& app);
// The relay's and the feed's series for /metrics (nothing when neither runs).
void RenderKafkaMetrics(const App& app, std::string* out);

// True if the request carries "Authorization: Bearer <admin token>"
// (compared in constant time). Never true when no token is configured.
bool IsAdmin(const App& app, const HttpRequest& request);
// The 401 every admin route answers without the token.
HttpResponse UnauthorizedResponse();

// Sends a command and answers with render(reply) once it is durable.
// Checks and forwards the Idempotency-Key header.
void RunCommand(App& app, const HttpRequest& request, Command command,
                std::function<HttpResponse(const Reply&)> render, Respond respond);

// Runs `query` once the read models include every acknowledged command
// (read your writes), on the connection's executor.
void RunQuery(App& app, Respond respond, Post post, std::function<HttpResponse()> query);

}  // namespace eventmart
