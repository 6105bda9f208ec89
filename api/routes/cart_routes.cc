// Carts: add to a line, read with total, remove a line.
#include "api/app.h"
#include "api/json_io.h"
#include "api/render.h"
#include "domain/cart.h"
#include "domain/errors.h"
#include "projections/balance_projection.h"
#include "projections/cart_projection.h"

namespace eventmart {
namespace {

void AddItemRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto product = RequireId(*body, "productId");
  if (!product) return respond(ErrorResponse(product.error()));
  auto option = OptionalId(*body, "optionId");
  if (!option) return respond(ErrorResponse(option.error()));
  auto quantity = RequireInt(*body, "quantity");
  if (!quantity) return respond(ErrorResponse(quantity.error()));
  if (auto valid = ValidateCartQuantity(*quantity); !valid) return respond(ErrorResponse(valid.error()));
  RunCommand(app, req, AddCartItem{.user_id = *user, .product_id = *product, .option_id = *option, .quantity = *quantity},
             [](const Reply& r) { return JsonResponse(200, CartJson(std::get<CartView>(r))); }, std::move(respond));
}

void GetCartRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  RunUserQuery(app, req, *user, std::move(respond), std::move(post), [&app, user = *user]() -> Result<HttpResponse> {
    auto name = BalanceQueries(app.views.Reader(BalanceProjection::kName)).UserName(user);
    if (!name) return Fail(name.error());
    if (!*name) return ErrorResponse(Error{DomainErrc::kUserNotFound, {}});
    CartQueries carts(app.views.Reader(CartProjection::kName), app.views.Reader(CatalogProjection::kName));
    auto cart = carts.Cart(user);
    if (!cart) return Fail(cart.error());
    return JsonResponse(200, CartJson(*cart));
  });
}

void RemoveItemRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  auto option = ParseIdSegment(params[1]);
  if (!option) return respond(ErrorResponse(option.error()));
  RunCommand(app, req, RemoveCartItem{.user_id = *user, .option_id = *option},
             [](const Reply&) { return HttpResponse{.status = 204, .body = {}}; }, std::move(respond));
}

}  // namespace

void AddCartRoutes(Router& router, App& app) {
  AddRoute(router, "POST", "/api/v1/users/{}/cart/items", app, AddItemRoute);
  AddRoute(router, "GET", "/api/v1/users/{}/cart", app, GetCartRoute);
  AddRoute(router, "DELETE", "/api/v1/users/{}/cart/items/{}", app, RemoveItemRoute);
}

}  // namespace eventmart
