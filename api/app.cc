#include "api/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "api/cluster_view.h"
#include "api/json_io.h"
#include "domain/errors.h"
#include "projections/balance_projection.h"

namespace eventmart {
namespace {

// The command's actor, if its kind names a user (domain/commands.h).
Actor* ActorOf(Command& command) {
  return std::visit(
      [](auto& c) -> Actor* {
        if constexpr (requires { c.actor; }) {
          return &c.actor;
        } else {
          return nullptr;
        }
      },
      command);
}

bool ValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// A stored response: "<status>\n<body>".
std::string Serialize(const HttpResponse& r) { return std::to_string(r.status) + "\n" + r.body; }

HttpResponse Deserialize(std::string_view stored) {
  auto nl = stored.find('\n');
  int status = 500;
  std::from_chars(stored.data(), stored.data() + std::min(nl, stored.size()), status);
  return HttpResponse{.status = status,
                      .body = nl == std::string_view::npos ? std::string() : std::string(stored.substr(nl + 1))};
}

std::optional<GlobalPosition> ParseMinPosition(std::string_view text) {
  GlobalPosition value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A command on a follower: 307 to the same path on the leader, or 503
// NO_LEADER while none is known (an election takes a few seconds).
HttpResponse NotLeaderResponse(const HttpRequest& request, const std::string& leader_url) {
  if (leader_url.empty()) {
    HttpResponse response = ErrorResponse(503, "NO_LEADER", "no cluster leader is known right now; retry");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  HttpResponse response = ErrorResponse(307, "NOT_LEADER", "this node is a follower; send commands to the leader");
  response.headers.emplace_back(
      "Location", leader_url + request.path + (request.query.empty() ? "" : "?" + request.query));
  return response;
}

// The v1 admin token (compared in constant time).
bool IsAdminToken(const App& app, const HttpRequest& request) {
  const std::string& token = app.options.admin_token;
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view given = request.authorization;
  if (token.empty() || !given.starts_with(kScheme)) return false;
  given.remove_prefix(kScheme.size());
  // Constant time in the token's content: every byte is compared, and a
  // length mismatch is folded into the same accumulator.
  unsigned diff = given.size() == token.size() ? 0u : 1u;
  for (std::size_t i = 0; i < token.size(); ++i) {
    char g = i < given.size() ? given[i] : 0;
    diff |= static_cast<unsigned char>(g ^ token[i]);
  }
  return diff == 0;
}

}  // namespace

void AddRoute(Router& router, std::string method, std::string_view pattern, App& app, AppRoute route) {
  router.Add(std::move(method), pattern, [&app, route](const HttpRequest& req, const PathParams& params, Respond respond,
                                                      Post post) { route(app, req, params, std::move(respond), std::move(post)); });
}

Router MakeRouter(App& app) {
  Router router;
  if (app.commands == nullptr && app.cluster == nullptr) {
    router.SetReadOnly("this is a read-only query node; send commands to the main service");
  }
  AddOpsRoutes(router, app);
  AddUserRoutes(router, app);
  AddPointRoutes(router, app);
  AddOrderRoutes(router, app);  // before the product routes: /products/best is not /products/{id}
  AddProductRoutes(router, app);
  AddCouponRoutes(router, app);
  AddCartRoutes(router, app);
  AddAdminRoutes(router, app);
  AddKafkaRoutes(router, app);
  AddDocumentRoutes(router, app);
  AddConsoleRoutes(router, app);
  AddClusterRoutes(router, app);
  if (!app.options.rate_limits.empty()) {
    app.limiter = std::make_shared<RateLimiter>(app.options.rate_limits);
    router.SetGate([&app, limiter = app.limiter](const HttpRequest& request, std::string_view method,
                                                std::string_view pattern, const PathParams& params) {
      auto route_class = ClassOfRoute(method, pattern);
      if (!route_class) return Admission{};
      std::string user;
      if (limiter->Limits(*route_class, RateScope::kUser)) user = RateKey(request, pattern, params);
      return limiter->Admit(*route_class, user, request.client_ip, app.clock.NowMs());
    });
  }
  router.SetObserver([&app](std::string_view route, int status, double seconds) {
    app.metrics.ObserveRequest(route, status, seconds);
  });
  return router;
}

void RenderRateLimitMetrics(const App& app, std::string* out) {
  RateLimitCounts counts = app.limiter ? app.limiter->counts() : RateLimitCounts{};
  *out += "# HELP eventmart_rate_limited_total Requests refused 429 RATE_LIMITED, by route class and the limit "
          "(per user or per client IP) that refused them.\n# TYPE eventmart_rate_limited_total counter\n";
  for (auto c : {RouteClass::kCouponIssue, RouteClass::kCommands, RouteClass::kQueries}) {
    for (auto scope : {RateScope::kUser, RateScope::kIp}) {
      *out += "eventmart_rate_limited_total{class=\"" + std::string(RouteClassName(c)) + "\",scope=\"" +
              std::string(RateScopeName(scope)) + "\"} " +
              std::to_string(counts.refused[static_cast<std::size_t>(c)][static_cast<std::size_t>(scope)]) + "\n";
    }
  }
}

HttpResponse UnauthorizedResponse() {
  return ErrorResponse(401, "UNAUTHORIZED", "admin routes need 'Authorization: Bearer <admin token>'");
}

bool IsAdmin(const App& app, const HttpRequest& request) {
  if (IsAdminToken(app, request)) return true;
  if (app.options.jwt == nullptr) return false;
  auto principal = Authenticate(app, request);
  return principal && principal->admin;
}

Result<Principal> Authenticate(const App& app, const HttpRequest& request) {
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(app.clock.NowMs()));
  return app.options.jwt->Verify(request.authorization, now);
}

HttpResponse TokenErrorResponse(const Error& error) {
  bool missing = error.code == AuthErrc::kMissingToken;
  HttpResponse response = ErrorResponse(
      401, "UNAUTHORIZED", missing ? "this route needs 'Authorization: Bearer <token>'" : error.Describe());
  response.headers.emplace_back("WWW-Authenticate", missing ? "Bearer" : "Bearer error=\"invalid_token\"");
  return response;
}

Result<std::optional<HttpResponse>> RefuseUnlessActsFor(App& app, const Subject& subject, UserId user) {
  BalanceQueries users(app.views.Reader(BalanceProjection::kName));
  auto bound = users.UserBySubject(subject);
  if (!bound) return Fail(bound.error());
  if (*bound && **bound == user) return std::optional<HttpResponse>();
  auto name = users.UserName(user);
  if (!name) return Fail(name.error());
  if (!*name) return std::optional<HttpResponse>(ErrorResponse(Error{DomainErrc::kUserNotFound, {}}));
  return std::optional<HttpResponse>(
      ErrorResponse(Error{DomainErrc::kForbidden, "the token does not act for user " + std::to_string(user.value())}));
}

void RunUserQuery(App& app, const HttpRequest& request, UserId user, Respond respond, Post post,
                  std::function<Result<HttpResponse>()> query) {
  if (app.options.jwt == nullptr) return RunQuery(app, request, std::move(respond), std::move(post), std::move(query));
  auto principal = Authenticate(app, request);
  if (!principal) return respond(TokenErrorResponse(principal.error()));
  RunQuery(app, request, std::move(respond), std::move(post),
           [&app, user, subject = principal->subject, query = std::move(query)]() -> Result<HttpResponse> {
             auto refused = RefuseUnlessActsFor(app, subject, user);
             if (!refused) return Fail(refused.error());
             if (*refused) return std::move(**refused);
             return query();
           });
}


void RunCommand(App& app, const HttpRequest& request, Command command,
                std::function<HttpResponse(const Reply&)> render, Respond respond) {
  std::optional<Idempotency> idempotency;
  if (request.idempotency_key) {
    if (!ValidIdempotencyKey(*request.idempotency_key)) {
      respond(ErrorResponse(400, "INVALID_REQUEST", "Idempotency-Key must be 1-255 visible ASCII characters"));
      return;
    }
    idempotency = Idempotency{*request.idempotency_key,
                              request.method + " " + request.path + "\n" + request.body};
  }
  if (Actor* actor = app.options.jwt ? ActorOf(command) : nullptr) {
    auto principal = Authenticate(app, request);
    if (!principal) return respond(TokenErrorResponse(principal.error()));
    *actor = principal->subject;
    // A key is one subject's: another token repeating it is a different request (422).
    if (idempotency) idempotency->request += "\nas " + principal->subject.issuer + " " + principal->subject.subject;
  }
  // The same for a sign-up with the caller's token; a subject the server
  // made up (--issue-tokens) is new on every try, so a retry must not see it.
  if (auto* signup = std::get_if<RegisterUser>(&command);
      signup && signup->subject && idempotency && !request.authorization.empty()) {
    idempotency->request += "\nas " + signup->subject->issuer + " " + signup->subject->subject;
  }
  auto to_response = [render](const Result<Reply>& reply) {
    return reply ? render(*reply) : ErrorResponse(reply.error());
  };
  Renderer renderer = [to_response](const Result<Reply>& reply) {
    return Serialize(to_response(reply));
  };
  std::string_view name = CommandName(command);
  CommandProcessor* processor = app.commands;
  std::shared_ptr<CommandProcessor> leading;  // held until Submit returns; the cluster node outlives its callbacks
  if (app.cluster != nullptr) {
    auto route = app.cluster->RouteCommand();
    if (!route.processor) {
      respond(NotLeaderResponse(request, route.leader_url));
      return;
    }
    leading = std::move(route.processor);
    processor = leading.get();
  }
  processor->Submit(std::move(command), std::move(idempotency), std::move(renderer),
                    [&app, name, to_response, respond = std::move(respond)](Outcome outcome) {
                      HttpResponse response =
                          outcome.replayed ? Deserialize(*outcome.replayed) : to_response(outcome.reply);
                      app.metrics.CountCommand(name, response.status);
                      // Runs after the commit that covers this command was
                      // published, before the next one: the log's head covers it.
                      response.headers.emplace_back("EventMart-Position", std::to_string(app.log.LastPosition()));
                      respond(std::move(response));
                    });
}

void RunQuery(App& app, const HttpRequest& request, Respond respond, Post post,
              std::function<Result<HttpResponse>()> run) {
  std::string route = request.method + " " + request.path + (request.query.empty() ? "" : "?" + request.query);
  auto query = [route = std::move(route), run = std::move(run)]() -> HttpResponse {
    auto response = run();
    if (response) return std::move(*response);
    spdlog::error("query {} failed: {}", route, response.error().Describe());
    return ErrorResponse(response.error());
  };
  GlobalPosition target = app.log.LastPosition();
  if (request.min_position) {
    auto asked = ParseMinPosition(*request.min_position);
    if (!asked) {
      respond(ErrorResponse(400, "INVALID_REQUEST", "EventMart-Min-Position must be a log position (0 or more)"));
      return;
    }
    // A follower may not have applied it yet: the projector waits for the
    // log, which the cluster node fills as the leader's batches arrive.
    target = std::max(target, *asked);
  }
  if (app.projector.position() >= target) {
    respond(query());
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + app.options.read_wait;
  app.projector.WhenReached(target, deadline,
                            [respond = std::move(respond), post = std::move(post),
                             query = std::move(query)](bool reached) mutable {
                              if (!reached) {
                                respond(ErrorResponse(503, "NOT_READY", "read models are behind; retry"));
                                return;
                              }
                              post([respond = std::move(respond), query = std::move(query)] {
                                respond(query());
                              });
                            });
}

}  // namespace eventmart
