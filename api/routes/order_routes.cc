// Orders, payments and the best sellers.
#include "api/api_errors.h"
#include "api/app.h"
#include "api/json_io.h"
#include "api/render.h"
#include "domain/errors.h"
#include "domain/time_format.h"
#include "projections/balance_projection.h"
#include "projections/catalog_projection.h"
#include "projections/order_projection.h"

namespace eventmart {
namespace {

Result<OrderItem> ParseItem(const Json& j) {
  if (!j.is_object()) return Fail(ApiErrc::kInvalidRequest, "each item must be an object");
  auto product = RequireId(j, "productId");
  if (!product) return Fail(product.error());
  auto option = OptionalId(j, "optionId");
  if (!option) return Fail(option.error());
  auto quantity = RequireInt(j, "quantity");
  if (!quantity) return Fail(quantity.error());
  return OrderItem{.product_id = *product, .option_id = *option, .quantity = *quantity};
}

Result<PlaceOrder> ParsePlaceOrder(std::string_view body) {
  auto j = ParseObject(body);
  if (!j) return Fail(j.error());
  auto user = RequireId(*j, "userId");
  if (!user) return Fail(user.error());
  auto items = j->find("items");
  if (items == j->end() || !items->is_array()) return Fail(ApiErrc::kInvalidRequest, "'items' must be an array");
  PlaceOrder order{.user_id = *user, .items = {}, .coupon_id = std::nullopt, .pay = false};
  for (const auto& item : *items) {
    auto parsed = ParseItem(item);
    if (!parsed) return Fail(parsed.error());
    order.items.push_back(*parsed);
  }
  auto coupon = OptionalId(*j, "couponId");
  if (!coupon) return Fail(coupon.error());
  order.coupon_id = *coupon;
  if (auto pay = j->find("pay"); pay != j->end() && !pay->is_null()) {
    if (!pay->is_boolean()) return Fail(ApiErrc::kInvalidRequest, "'pay' must be true or false");
    order.pay = pay->get<bool>();
  }
  return order;
}

HttpResponse OrderResponse(int status, const Reply& reply) { return JsonResponse(status, OrderJson(std::get<OrderView>(reply))); }

void PlaceOrderRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  auto order = ParsePlaceOrder(req.body);
  if (!order) return respond(ErrorResponse(order.error()));
  RunCommand(app, req, std::move(*order), [](const Reply& r) { return OrderResponse(201, r); }, std::move(respond));
}

void CancelOrderRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto order = ParseIdSegment(params[0]);
  if (!order) return respond(ErrorResponse(order.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto user = RequireId(*body, "userId");
  if (!user) return respond(ErrorResponse(user.error()));
  RunCommand(app, req, CancelOrder{.order_id = *order, .user_id = *user},
             [](const Reply& r) { return OrderResponse(200, r); }, std::move(respond));
}

void PayRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto order = RequireId(*body, "orderId");
  if (!order) return respond(ErrorResponse(order.error()));
  auto user = RequireId(*body, "userId");
  if (!user) return respond(ErrorResponse(user.error()));
  RunCommand(app, req, PayOrder{.order_id = *order, .user_id = *user},
             [](const Reply& r) { return JsonResponse(201, PaymentJson(std::get<PaymentView>(r))); },
             std::move(respond));
}

void GetOrderRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto id = ParseIdSegment(params[0]);
  if (!id) return respond(ErrorResponse(id.error()));
  // Under --auth jwt, only the order's owner sees it (after its 404).
  std::optional<Subject> subject;
  if (app.options.jwt != nullptr) {
    auto principal = Authenticate(app, req);
    if (!principal) return respond(TokenErrorResponse(principal.error()));
    subject = std::move(principal->subject);
  }
  RunQuery(app, req, std::move(respond), std::move(post), [&app, id = *id, subject]() -> Result<HttpResponse> {
    auto order = OrderQueries(app.views.Reader(OrderProjection::kName)).Find(id);
    if (!order) return Fail(order.error());
    if (!*order) return ErrorResponse(Error{DomainErrc::kOrderNotFound, {}});
    if (subject) {
      auto refused = RefuseUnlessActsFor(app, *subject, (*order)->user_id);
      if (!refused) return Fail(refused.error());
      if (*refused) return std::move(**refused);
    }
    return JsonResponse(200, OrderJson(**order));
  });
}

void ListOrdersRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  auto user_text = QueryParam(req.query, "userId");
  if (!user_text) return respond(ErrorResponse(400, "INVALID_REQUEST", "'userId' is required"));
  auto user = ParseIdSegment(*user_text);
  if (!user) return respond(ErrorResponse(user.error()));
  auto limit = QueryInt(req.query, "limit", 20, 1, 100);
  if (!limit) return respond(ErrorResponse(limit.error()));
  auto before = DecodeCursor('o', QueryParam(req.query, "cursor"));
  if (!before) return respond(ErrorResponse(before.error()));
  RunUserQuery(app, req, *user, std::move(respond), std::move(post),
           [&app, user = *user, limit = *limit, before = *before]() -> Result<HttpResponse> {
    auto name = BalanceQueries(app.views.Reader(BalanceProjection::kName)).UserName(user);
    if (!name) return Fail(name.error());
    if (!*name) return ErrorResponse(Error{DomainErrc::kUserNotFound, {}});
    auto page = OrderQueries(app.views.Reader(OrderProjection::kName))
                    .ByUser(user, static_cast<std::size_t>(limit), static_cast<OrderId>(before));
    if (!page) return Fail(page.error());
    Json items = Json::array();
    for (const auto& o : page->items) items.push_back(OrderJson(o));
    Json next = page->next == 0 ? Json(nullptr)
                                       : Json(EncodeCursor('o', static_cast<std::uint64_t>(page->next)));
    return JsonResponse(200, {{"items", std::move(items)}, {"nextCursor", std::move(next)}});
  });
}

void BestSellersRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  auto days = QueryInt(req.query, "days", 3, 1, kMaxRankingDays);
  if (!days) return respond(ErrorResponse(days.error()));
  auto limit = QueryInt(req.query, "limit", 5, 1, 100);
  if (!limit) return respond(ErrorResponse(limit.error()));
  RunQuery(app, req, std::move(respond), std::move(post), [&app, days = *days, limit = *limit]() -> Result<HttpResponse> {
    TimeMs now = app.clock.NowMs();
    auto top = app.ranking.Top(app.views.Reader(BestSellerProjection::kName), now, static_cast<int>(days),
                               static_cast<std::size_t>(limit));
    if (!top) return Fail(top.error());
    CatalogQueries catalog(app.views.Reader(CatalogProjection::kName));
    Json items = Json::array();
    for (std::size_t i = 0; i < top->size(); ++i) {
      auto name = catalog.ProductName((*top)[i].product_id);
      if (!name) return Fail(name.error());
      items.push_back({{"rank", i + 1},
                       {"productId", (*top)[i].product_id},
                       {"name", name->value_or("")},
                       {"soldQuantity", (*top)[i].sold}});
    }
    return JsonResponse(200, {{"items", std::move(items)},
                              {"from", FormatTime(now - days * kDayMs)},
                              {"to", FormatTime(now)}});
  });
}

}  // namespace

void AddOrderRoutes(Router& router, App& app) {
  AddRoute(router, "POST", "/api/v1/orders", app, PlaceOrderRoute);
  AddRoute(router, "GET", "/api/v1/orders/{}", app, GetOrderRoute);
  AddRoute(router, "GET", "/api/v1/orders", app, ListOrdersRoute);
  AddRoute(router, "POST", "/api/v1/orders/{}/cancel", app, CancelOrderRoute);
  AddRoute(router, "POST", "/api/v1/payments", app, PayRoute);
  AddRoute(router, "GET", "/api/v1/products/best", app, BestSellersRoute);
}

}  // namespace eventmart
