// POST /api/v1/users: sign-up.
#include "api/app.h"
#include "api/json_io.h"

namespace eventmart {

void AddUserRoutes(Router& router, App& app) {
  router.Add("POST", "/api/v1/users", [&app](const HttpRequest& req, const PathParams&, Respond respond, Post) {
    auto body = ParseObject(req.body);
    if (!body) return respond(ErrorResponse(body.error()));
    auto name = RequireString(*body, "name");
    if (!name) return respond(ErrorResponse(name.error()));
    RunCommand(app, req, RegisterUser{std::move(*name)},
               [](const Reply& reply) {
                 const auto& user = std::get<UserReply>(reply);
                 return JsonResponse(201, {{"userId", user.user_id}, {"name", user.name}});
               },
               std::move(respond));
  });
}

}  // namespace eventmart
