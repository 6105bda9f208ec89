// Balances: read, charge, history.
#include "api/app.h"
#include "api/json_io.h"
#include "domain/errors.h"
#include "domain/time_format.h"
#include "projections/balance_projection.h"

namespace eventmart {
namespace {

Json HistoryItem(const HistoryEntry& e) {
  Json item = {{"type", e.type == HistoryType::kCharge ? "CHARGE" : "PAYMENT"},
               {"amount", e.amount},
               {"balanceAfter", e.balance_after}};
  if (e.type == HistoryType::kPayment) item["orderId"] = e.order_id;
  item["occurredAt"] = FormatTime(e.occurred_at_ms);
  return item;
}

HttpResponse BalanceBody(UserId user, Money balance) {
  return JsonResponse(200, {{"userId", user}, {"balance", balance}});
}

void GetBalance(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  RunUserQuery(app, req, *user, std::move(respond), std::move(post), [&app, id = *user]() -> Result<HttpResponse> {
    auto balance = BalanceQueries(app.views.Reader(BalanceProjection::kName)).Balance(id);
    if (!balance) return Fail(balance.error());
    if (!*balance) return ErrorResponse(Error{DomainErrc::kUserNotFound, {}});
    return BalanceBody(id, **balance);
  });
}

void Charge(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto amount = RequireMoney(*body, "amount", 1);
  if (!amount) return respond(ErrorResponse(amount.error()));
  RunCommand(app, req, ChargePoints{.user_id = *user, .amount = *amount},
             [](const Reply& reply) {
               const auto& b = std::get<BalanceReply>(reply);
               return BalanceBody(b.user_id, b.balance);
             },
             std::move(respond));
}

void GetHistory(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto user = ParseIdSegment(params[0]);
  if (!user) return respond(ErrorResponse(user.error()));
  auto limit = QueryInt(req.query, "limit", 20, 1, 100);
  if (!limit) return respond(ErrorResponse(limit.error()));
  auto before = DecodeCursor('h', QueryParam(req.query, "cursor"));
  if (!before) return respond(ErrorResponse(before.error()));
  RunUserQuery(app, req, *user, std::move(respond), std::move(post),
           [&app, id = *user, limit = *limit, before = *before]() -> Result<HttpResponse> {
    BalanceQueries queries(app.views.Reader(BalanceProjection::kName));
    auto name = queries.UserName(id);
    if (!name) return Fail(name.error());
    if (!*name) return ErrorResponse(Error{DomainErrc::kUserNotFound, {}});
    auto page = queries.History(id, static_cast<std::size_t>(limit), before);
    if (!page) return Fail(page.error());
    Json items = Json::array();
    for (const auto& e : page->items) items.push_back(HistoryItem(e));
    Json next = page->next == 0 ? Json(nullptr) : Json(EncodeCursor('h', page->next));
    return JsonResponse(200, {{"items", std::move(items)}, {"nextCursor", std::move(next)}});
  });
}

}  // namespace

void AddPointRoutes(Router& router, App& app) {
  AddRoute(router, "GET", "/api/v1/points/{}", app, GetBalance);
  AddRoute(router, "POST", "/api/v1/points/{}/charge", app, Charge);
  AddRoute(router, "GET", "/api/v1/points/{}/history", app, GetHistory);
}

}  // namespace eventmart
