// Products: create and restock (admin), list and read.
#include "api/api_errors.h"
#include "api/app.h"
#include "api/json_io.h"
#include "api/render.h"
#include "domain/errors.h"
#include "projections/catalog_projection.h"

namespace eventmart {
namespace {

Result<NewOption> ParseOption(const Json& j, std::string default_name) {
  if (!j.is_object()) return Fail(ApiErrc::kInvalidRequest, "each option must be an object");
  NewOption option{.name = std::move(default_name), .price = 0, .stock = 0};
  if (j.contains("name")) {
    auto name = RequireString(j, "name");
    if (!name) return Fail(name.error());
    option.name = std::move(*name);
  } else if (option.name.empty()) {
    return Fail(ApiErrc::kInvalidRequest, "'name' must be a string");
  }
  auto price = RequireMoney(j, "price", 0);
  if (!price) return Fail(price.error());
  auto stock = RequireInt(j, "stock");
  if (!stock) return Fail(stock.error());
  option.price = *price;
  option.stock = *stock;
  return option;
}

// {"name", "options": [...]} or the shorthand {"name", "price", "stock"}.
Result<NewProduct> ParseNewProduct(std::string_view body) {
  auto j = ParseObject(body);
  if (!j) return Fail(j.error());
  auto name = RequireString(*j, "name");
  if (!name) return Fail(name.error());
  NewProduct product{.name = std::move(*name), .options = {}};
  if (auto it = j->find("options"); it != j->end()) {
    if (!it->is_array()) return Fail(ApiErrc::kInvalidRequest, "'options' must be an array");
    if (j->contains("price") || j->contains("stock")) {
      return Fail(ApiErrc::kInvalidRequest, "give either 'options' or 'price' and 'stock', not both");
    }
    for (const auto& item : *it) {
      auto option = ParseOption(item, "");
      if (!option) return Fail(option.error());
      product.options.push_back(std::move(*option));
    }
  } else {
    auto option = ParseOption(*j, "default");
    if (!option) return Fail(option.error());
    option->name = "default";
    product.options.push_back(std::move(*option));
  }
  if (auto valid = ValidateNewProduct(product); !valid) return Fail(valid.error());
  return product;
}

HttpResponse ProductResponse(int status, const Reply& reply) {
  return JsonResponse(status, ProductJson(std::get<ProductView>(reply), /*with_options=*/true));
}

void CreateProductRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  auto product = ParseNewProduct(req.body);
  if (!product) return respond(ErrorResponse(product.error()));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunCommand(app, req, CreateProduct{std::move(*product)},
             [](const Reply& r) { return ProductResponse(201, r); }, std::move(respond));
}

void RestockRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto product = ParseIdSegment(params[0]);
  if (!product) return respond(ErrorResponse(product.error()));
  auto option = ParseIdSegment(params[1]);
  if (!option) return respond(ErrorResponse(option.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto quantity = RequireInt(*body, "quantity");
  if (!quantity) return respond(ErrorResponse(quantity.error()));
  if (auto valid = ValidateRestockQuantity(*quantity); !valid) return respond(ErrorResponse(valid.error()));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunCommand(app, req, RestockOption{.product_id = *product, .option_id = *option, .quantity = *quantity},
             [](const Reply& r) { return ProductResponse(200, r); }, std::move(respond));
}

void SetStatusRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  auto product = ParseIdSegment(params[0]);
  if (!product) return respond(ErrorResponse(product.error()));
  auto body = ParseObject(req.body);
  if (!body) return respond(ErrorResponse(body.error()));
  auto name = RequireString(*body, "status");
  if (!name) return respond(ErrorResponse(name.error()));
  auto status = ParseProductStatus(*name);
  if (!status) return respond(ErrorResponse(400, "INVALID_REQUEST", "'status' must be ON_SALE or STOPPED"));
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunCommand(app, req, SetProductStatus{.product_id = *product, .status = *status},
             [](const Reply& r) { return ProductResponse(200, r); }, std::move(respond));
}

// A query flag: absent is false; anything but true or false is 400.
Result<bool> QueryFlag(std::string_view query, std::string_view name) {
  auto value = QueryParam(query, name);
  if (value && *value != "true" && *value != "false") {
    return Fail(ApiErrc::kInvalidRequest, "'" + std::string(name) + "' must be true or false");
  }
  return value == "true";
}

void ListProductsRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  auto limit = QueryInt(req.query, "limit", 20, 1, 100);
  if (!limit) return respond(ErrorResponse(limit.error()));
  auto after = DecodeCursor('p', QueryParam(req.query, "cursor"));
  if (!after) return respond(ErrorResponse(after.error()));
  auto include_sold_out = QueryFlag(req.query, "includeSoldOut");
  if (!include_sold_out) return respond(ErrorResponse(include_sold_out.error()));
  auto include_stopped = QueryFlag(req.query, "includeStopped");
  if (!include_stopped) return respond(ErrorResponse(include_stopped.error()));
  RunQuery(app, req, std::move(respond), std::move(post),
           [&app, limit = *limit, after = *after, sold_out = *include_sold_out,
            stopped = *include_stopped]() -> Result<HttpResponse> {
    CatalogQueries catalog(app.views.Reader(CatalogProjection::kName));
    auto page = catalog.List(static_cast<ProductId>(after), static_cast<std::size_t>(limit), sold_out, stopped);
    if (!page) return Fail(page.error());
    Json items = Json::array();
    for (const auto& p : page->items) items.push_back(ProductJson(p, /*with_options=*/false));
    Json next = page->next == 0 ? Json(nullptr)
                                      : Json(EncodeCursor('p', static_cast<std::uint64_t>(page->next)));
    return JsonResponse(200, {{"items", std::move(items)}, {"nextCursor", std::move(next)}});
  });
}

void GetProductRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post post) {
  auto id = ParseIdSegment(params[0]);
  if (!id) return respond(ErrorResponse(id.error()));
  RunQuery(app, req, std::move(respond), std::move(post), [&app, id = *id]() -> Result<HttpResponse> {
    auto product = CatalogQueries(app.views.Reader(CatalogProjection::kName)).FindProduct(id);
    if (!product) return Fail(product.error());
    if (!*product) return ErrorResponse(Error{DomainErrc::kProductNotFound, {}});
    return JsonResponse(200, ProductJson(**product, /*with_options=*/true));
  });
}

}  // namespace

void AddProductRoutes(Router& router, App& app) {
  AddRoute(router, "POST", "/api/v1/admin/products", app, CreateProductRoute);
  AddRoute(router, "POST", "/api/v1/admin/products/{}/options/{}/restock", app, RestockRoute);
  AddRoute(router, "POST", "/api/v1/admin/products/{}/status", app, SetStatusRoute);
  AddRoute(router, "GET", "/api/v1/products", app, ListProductsRoute);
  AddRoute(router, "GET", "/api/v1/products/{}", app, GetProductRoute);
}

}  // namespace eventmart
