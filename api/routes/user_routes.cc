// POST /api/v1/users: sign-up.
//   --auth none: anyone; 201 {"userId", "name"}.
//   --auth jwt: with a valid bearer token, the user is bound to its subject:
//     201 for a new user, 200 with the user the subject is bound to already.
//     Without a token: 401, or with --issue-tokens a new user bound to a
//     fresh subject of the server's own, and 201 {"userId", "name", "token"}.
#include <spdlog/spdlog.h>

#include "api/app.h"
#include "api/json_io.h"

namespace eventmart {
namespace {

HttpResponse UserResponse(const Reply& reply) {
  const auto& user = std::get<UserReply>(reply);
  return JsonResponse(user.created ? 201 : 200, {{"userId", user.user_id}, {"name", user.name}});
}

void SignUp(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto name = RequireString(*body, "name");
  if (!name) return respond(ErrorResponse(name.error()));
  if (app.options.jwt == nullptr) return RunCommand(app, req, RegisterUser{std::move(*name)}, UserResponse, std::move(respond));

  if (!req.authorization.empty() || !app.options.issue_tokens) {
    auto principal = Authenticate(app, req);
    if (!principal) return respond(TokenErrorResponse(principal.error()));
    return RunCommand(app, req, RegisterUser{std::move(*name), std::move(principal->subject)}, UserResponse,
                      std::move(respond));
  }
  auto subject = app.options.jwt->NewSubject();
  if (!subject) {
    spdlog::error("sign-up: {}", subject.error().Describe());
    return respond(ErrorResponse(500, "INTERNAL", "internal error"));
  }
  // The token is signed when the reply is rendered, so a repeat of the
  // request (same Idempotency-Key) gets the same token back.
  auto render = [&app, subject = *subject](const Reply& reply) {
    const auto& user = std::get<UserReply>(reply);
    auto token = app.options.jwt->Issue(subject, user.user_id, std::chrono::system_clock::time_point(
                                                                   std::chrono::milliseconds(app.clock.NowMs())));
    if (!token) {
      spdlog::error("sign-up of user {}: {}", user.user_id.value(), token.error().Describe());
      return ErrorResponse(500, "INTERNAL", "internal error");
    }
    return JsonResponse(201, {{"userId", user.user_id}, {"name", user.name}, {"token", *token}});
  };
  RunCommand(app, req, RegisterUser{std::move(*name), std::move(*subject)}, std::move(render), std::move(respond));
}

}  // namespace

void AddUserRoutes(Router& router, App& app) { AddRoute(router, "POST", "/api/v1/users", app, SignUp); }

}  // namespace eventmart
