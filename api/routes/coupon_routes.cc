// Coupons: create and list (admin), issue first come first served, read, list held.
#include <algorithm>
#include <cctype>

#include "api/api_errors.h"
#include "api/app.h"
#include "api/json_io.h"
#include "api/render.h"
#include "domain/errors.h"
#include "domain/time_format.h"
#include "projections/balance_projection.h"
#include "projections/coupon_projection.h"

namespace eventmart {
namespace {

Result<NewCoupon> ParseNewCoupon(std::string_view body) {
  auto j = ParseObject(body);
  if (!j) return Fail(j.error());
  auto name = RequireString(*j, "name");
  if (!name) return Fail(name.error());
  auto type_name = RequireString(*j, "discountType");
  if (!type_name) return Fail(type_name.error());
  auto type = ParseDiscountType(*type_name);
  if (!type) return Fail(ApiErrc::kInvalidRequest, "'discountType' must be FIXED or RATE");
  // A FIXED value is money (out of range: INVALID_AMOUNT); a RATE is a percentage.
  auto value = *type == DiscountType::kFixed ? RequireMoney(*j, "discountValue", 1) : RequireInt(*j, "discountValue");
  if (!value) return Fail(value.error());
  auto total = RequireInt(*j, "totalQuantity");
  if (!total) return Fail(total.error());
  NewCoupon coupon{.name = std::move(*name), .type = *type, .value = *value, .total_quantity = *total,
                   .expires_at_ms = 0};
  // Optional times: absent or null leave the default (0: none).
  for (auto [field, target] : {std::pair<const char*, TimeMs*>{"expiresAt", &coupon.expires_at_ms},
                               {"issueFrom", &coupon.issue_from_ms},
                               {"issueUntil", &coupon.issue_until_ms}}) {
    auto it = j->find(field);
    if (it == j->end() || it->is_null()) continue;
    auto at = it->is_string() ? ParseTime(it->get<std::string>()) : std::nullopt;
    if (!at) return Fail(ApiErrc::kInvalidRequest, "'" + std::string(field) + "' must be an RFC 3339 time");
    *target = *at;
  }
  if (auto it = j->find("productIds"); it != j->end() && !it->is_null()) {
    if (!it->is_array()) return Fail(ApiErrc::kInvalidRequest, "'productIds' must be an array of product ids");
    for (const auto& item : *it) {
      auto id = RequireId(Json{{"productIds", item}}, "productIds");
      if (!id) return Fail(ApiErrc::kInvalidRequest, "'productIds' must be an array of product ids");
      coupon.product_ids.emplace_back(*id);
    }
  }
  if (auto valid = ValidateNewCoupon(coupon); !valid) return Fail(valid.error());
  return coupon;
}

void CreateCouponRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  auto coupon = ParseNewCoupon(req.body);
  if (!coupon) return respond(ErrorResponse(coupon.error()));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunCommand(app, req, CreateCoupon{std::move(*coupon)},
             [](const Reply& r) { return JsonResponse(201, CouponJson(std::get<CouponView>(r))); },
             std::move(respond));
}

// Pause or resume issuing (admin): 200 with the coupon.
template <class Command>
void SetPausedRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto coupon = ParseIdSegment(params[0]);
  if (!coupon) return respond(ErrorResponse(coupon.error()));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunCommand(app, req, Command{.coupon_id = *coupon},
             [](const Reply& r) { return JsonResponse(200, CouponJson(std::get<CouponView>(r))); },
             std::move(respond));
}

// Every coupon with its remaining quantity, by id (the operators' console
// charts them).
void ListCouponsRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  auto limit = QueryInt(req.query, "limit", 20, 1, 100);
  if (!limit) return respond(ErrorResponse(limit.error()));
  auto after = DecodeCursor('c', QueryParam(req.query, "cursor"));
  if (!after) return respond(ErrorResponse(after.error()));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunQuery(app, req, std::move(respond), std::move(post), [&app, limit = *limit, after = *after]() -> Result<HttpResponse> {
    auto page = CouponQueries(app.views.Reader(CouponProjection::kName))
                    .List(static_cast<CouponId>(after), static_cast<std::size_t>(limit));
    if (!page) return Fail(page.error());
    Json items = Json::array();
    for (const auto& c : page->items) items.push_back(CouponJson(c));
    Json next = page->next == 0 ? Json(nullptr) : Json(EncodeCursor('c', static_cast<std::uint64_t>(page->next)));
    return JsonResponse(200, {{"items", std::move(items)}, {"nextCursor", std::move(next)}});
  });
}

// Whether the Prefer header (RFC 7240) asks for respond-async: its
// preferences are separated by commas, each may carry ";params".
bool PrefersAsync(std::string_view prefer) {
  while (!prefer.empty()) {
    auto comma = prefer.find(',');
    std::string_view item = prefer.substr(0, comma);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() == 13 && std::equal(item.begin(), item.end(), "respond-async", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    prefer.remove_prefix(comma + 1);
  }
  return false;
}

std::string RequestPath(std::int64_t request_id) { return "/api/v1/coupon-requests/" + std::to_string(request_id); }

// The waiting room: 202 once the request is durable. Location is made from
// the body, so a repeat of an Idempotency-Key (which keeps status and body)
// gets it too.
void RequestCouponRoute(App& app, const HttpRequest& req, CouponId coupon, UserId user, Respond respond) {
  auto located = [respond = std::move(respond)](HttpResponse response) {
    if (response.status == 202) {
      auto body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_object() && body["requestId"].is_number_integer()) {
        response.headers.emplace_back("Location", RequestPath(body["requestId"].get<std::int64_t>()));
        response.headers.emplace_back("Preference-Applied", "respond-async");
      }
    }
    respond(std::move(response));
  };
  RunCommand(app, req, RequestCoupon{.coupon_id = coupon, .user_id = user},
             [](const Reply& r) {
               return JsonResponse(202, {{"requestId", std::get<CouponRequestReply>(r).request_id},
                                         {"status", "PENDING"}});
             },
             std::move(located));
}

void IssueCouponRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto coupon = ParseIdSegment(params[0]);
  if (!coupon) return respond(ErrorResponse(coupon.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto user = RequireId(*body, "userId");
  if (!user) return respond(ErrorResponse(user.error()));
  if (PrefersAsync(req.prefer)) return RequestCouponRoute(app, req, *coupon, *user, std::move(respond));
  RunCommand(app, req, IssueCoupon{.coupon_id = *coupon, .user_id = *user},
             [](const Reply& r) { return JsonResponse(201, UserCouponJson(std::get<UserCouponView>(r))); },
             std::move(respond));
}

void GetCouponRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto id = ParseIdSegment(params[0]);
  if (!id) return respond(ErrorResponse(id.error()));
  RunQuery(app, req, std::move(respond), std::move(post), [&app, id = *id]() -> Result<HttpResponse> {
    auto coupon = CouponQueries(app.views.Reader(CouponProjection::kName)).FindCoupon(id);
    if (!coupon) return Fail(coupon.error());
    if (!*coupon) return ErrorResponse(Error{DomainErrc::kCouponNotFound, {}});
    return JsonResponse(200, CouponJson(**coupon));
  });
}

void GetCouponRequestRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto id = ParseIdSegment(params[0]);
  if (!id) return respond(ErrorResponse(id.error()));
  RunQuery(app, req, std::move(respond), std::move(post), [&app, id = *id]() -> Result<HttpResponse> {
    CouponQueries coupons(app.views.Reader(CouponProjection::kName));
    auto request = coupons.FindRequest(id);
    if (!request) return Fail(request.error());
    if (!*request) return ErrorResponse(404, "COUPON_REQUEST_NOT_FOUND", "no coupon request " + std::to_string(id));
    const CouponRequestView& r = **request;
    Json out = {{"requestId", r.request_id}, {"couponId", r.coupon_id}, {"userId", r.user_id}, {"status", r.status}};
    if (r.status == "REJECTED") out["code"] = r.code;
    if (r.status == "ISSUED") {
      auto held = coupons.FindHeld(r.user_id, r.user_coupon_id, app.clock.NowMs());
      if (!held) return Fail(held.error());
      if (*held) out["userCoupon"] = UserCouponJson(**held);
    }
    return JsonResponse(200, out);
  });
}

void ListHeldRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  auto user_text = QueryParam(req.query, "userId");
  if (!user_text) return respond(ErrorResponse(400, "INVALID_REQUEST", "'userId' is required"));
  auto user = ParseIdSegment(*user_text);
  if (!user) return respond(ErrorResponse(user.error()));
  auto status = QueryParam(req.query, "status");
  if (status && *status != "ALL" && *status != "ISSUED") {
    return respond(ErrorResponse(400, "INVALID_REQUEST", "'status' must be ISSUED or ALL"));
  }
  bool all = status == "ALL";
  RunUserQuery(app, req, *user, std::move(respond), std::move(post), [&app, user = *user, all]() -> Result<HttpResponse> {
    auto name = BalanceQueries(app.views.Reader(BalanceProjection::kName)).UserName(user);
    if (!name) return Fail(name.error());
    if (!*name) return ErrorResponse(Error{DomainErrc::kUserNotFound, {}});
    auto held = CouponQueries(app.views.Reader(CouponProjection::kName)).HeldBy(user, all, app.clock.NowMs());
    if (!held) return Fail(held.error());
    Json items = Json::array();
    for (const auto& h : *held) items.push_back(UserCouponJson(h));
    return JsonResponse(200, {{"items", std::move(items)}});
  });
}

}  // namespace

void AddCouponRoutes(Router& router, App& app) {
  AddRoute(router, "POST", "/api/v1/admin/coupons", app, CreateCouponRoute);
  AddRoute(router, "GET", "/api/v1/admin/coupons", app, ListCouponsRoute);
  AddRoute(router, "POST", "/api/v1/admin/coupons/{}/pause", app, SetPausedRoute<PauseCoupon>);
  AddRoute(router, "POST", "/api/v1/admin/coupons/{}/resume", app, SetPausedRoute<ResumeCoupon>);
  AddRoute(router, "POST", "/api/v1/coupons/{}/issue", app, IssueCouponRoute);
  AddRoute(router, "GET", "/api/v1/coupons/{}", app, GetCouponRoute);
  AddRoute(router, "GET", "/api/v1/coupons", app, ListHeldRoute);
  AddRoute(router, "GET", "/api/v1/coupon-requests/{}", app, GetCouponRequestRoute);
}

}  // namespace eventmart
