// api/app.h
// What the routes work with, and the route table for the whole service.
// The Kafka relay and feed are seen only through status interfaces
// (api/kafka_status.h), so routes do not include Kafka headers.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "api/rate_limit.h"
#include "api/jwt_auth.h"
#include "api/router.h"
#include "commands/command_processor.h"
#include "commands/idempotency_pruner.h"
#include "api/metrics.h"
#include "eventstore/rocks_event_store.h"
#include "projections/best_seller_projection.h"
#include "projections/projector.h"
#include "projections/read_model_store.h"

namespace eventmart {

class ClusterView;  // api/cluster_view.h
class RelayStatusSource;  // api/kafka_status.h
class FeedStatusSource;

// Events the projections (and a query node's feed) may trail and /readyz
// still answer ready.
inline constexpr GlobalPosition kReadyLag = 10'000;

struct AppOptions {
  std::string admin_token;
  std::chrono::milliseconds read_wait{5000};  // how long a query waits for projections
  RateLimitConfig rate_limits;  // empty: no limits
  // `serve --auth jwt`: routes that name a user need a bearer token of that
  // user (null: --auth none, v1's rules).
  const JwtAuthenticator* jwt = nullptr;
  bool issue_tokens = false;  // --issue-tokens: sign-up without a token gets one
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
  const RelayStatusSource* relay = nullptr;  // set when serve publishes to Kafka
  const FeedStatusSource* feed = nullptr;    // set on a query node
  const Snapshotter* snapshots = nullptr;    // set when serve takes write-model snapshots
  const IdempotencyPruner* idempotency = nullptr;  // set when serve prunes idempotency records
  const ClusterView* cluster = nullptr;      // set on a clustered server (commands go where it says)
  Metrics metrics{};
  std::function<std::uint64_t()> open_connections{};  // set once the server runs
  std::shared_ptr<RateLimiter> limiter{};  // made by MakeRouter when options.rate_limits has any
};

Router MakeRouter(App& app);

// A route function that is handed the App first.
using AppRoute = void (*)(App&, const HttpRequest&, const PathParams&, Respond, Post);
// Registers `route` for (method, pattern), bound to `app`.
void AddRoute(Router& router, std::string method, std::string_view pattern, App& app, AppRoute route);

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
void AddDocumentRoutes(Router& router, App& app);  // GET /openapi.yaml
void AddConsoleRoutes(Router& router, App& app);
void AddClusterRoutes(Router& router, App& app);  // GET /api/v1/admin/cluster
// The cluster's series for /metrics (nothing on a single node).
void RenderClusterMetrics(const App& app, std::string* out);
// The relay's and the feed's series for /metrics (nothing when neither runs).
void RenderKafkaMetrics(const App& app, std::string* out);
// The rate limiter's refusals by class and scope, and the keys it holds.
void RenderRateLimitMetrics(const App& app, std::string* out);
// Why a query node is not ready yet (its Kafka feed is behind), or nullopt
// (also when there is no feed).
std::optional<std::string> FeedNotReady(const App& app);

// True if the request carries "Authorization: Bearer <admin token>"
// (compared in constant time), or, under --auth jwt, a valid token whose
// `roles` contain "admin". Never true when neither is configured.
bool IsAdmin(const App& app, const HttpRequest& request);

// Under --auth jwt: the request's verified token, or why not (AuthErrc).
[[nodiscard]] Result<Principal> Authenticate(const App& app, const HttpRequest& request);
// The 401 for a request without a good token: `WWW-Authenticate: Bearer`,
// with error="invalid_token" unless the token was missing altogether.
HttpResponse TokenErrorResponse(const Error& error);
// Under --auth jwt, whether `subject` acts for `user`: nullopt if it does,
// else the answer (404 USER_NOT_FOUND for a user that does not exist, or
// 403 FORBIDDEN). Reads the balances read model: call it inside a query.
[[nodiscard]] Result<std::optional<HttpResponse>> RefuseUnlessActsFor(App& app, const Subject& subject, UserId user);
// The 401 every admin route answers without the token.
HttpResponse UnauthorizedResponse();

// Sends a command and answers with render(reply) once it is durable.
// Checks and forwards the Idempotency-Key header. Under --auth jwt, a
// command that names a user needs a valid token (else 401), whose subject
// becomes the command's actor (the decider refuses another user's with 403).
void RunCommand(App& app, const HttpRequest& request, Command command,
                std::function<HttpResponse(const Reply&)> render, Respond respond);

// Runs `query` once the read models include every acknowledged command
// (read your writes), on the connection's executor; 503 NOT_READY if they
// do not within options.read_wait. A query that fails (a read-model read
// failed, or a stored record would not decode) answers 500 INTERNAL, whose
// body says nothing internal, and logs the request's method and path (the
// route and its ids) with the error (which names the key and the cause).
void RunQuery(App& app, const HttpRequest& request, Respond respond, Post post,
              std::function<Result<HttpResponse>()> query);

// RunQuery for a route that names `user`: under --auth jwt it answers 401
// without a valid token, and 404/403 (RefuseUnlessActsFor) before `query`
// runs for a token that does not act for `user`.
void RunUserQuery(App& app, const HttpRequest& request, UserId user, Respond respond, Post post,
                  std::function<Result<HttpResponse>()> query);

}  // namespace eventmart
