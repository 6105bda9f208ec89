// Products and carts over real HTTP.
#include <catch2/catch.hpp>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

TEST_CASE("Admins create products in both forms and option ids are unique across products", "[api][catalog]") {
  TestServer server(TempDir("http-products"));
  auto c = server.Client();
  auto shirt = CreateProductAs(c, R"({"name":"Shirt","options":[{"name":"S","price":1200,"stock":5},{"name":"M","price":1000,"stock":0}]})");
  CHECK(shirt["price"] == 1000);  // lowest option price, sold-out options included
  CHECK(shirt["stock"] == 5);
  CHECK(shirt["soldOut"] == false);
  REQUIRE(shirt["options"].size() == 2);
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":5000,"stock":3})");
  REQUIRE(mug["options"].size() == 1);
  CHECK(mug["options"][0]["name"] == "default");
  std::set<long long> option_ids = {shirt["options"][0]["optionId"].get<long long>(),
                                    shirt["options"][1]["optionId"].get<long long>(),
                                    mug["options"][0]["optionId"].get<long long>()};
  CHECK(option_ids.size() == 3);

  auto got = c.Get("/api/v1/products/" + Id(shirt["productId"]));
  REQUIRE(got.status == 200);
  CHECK(got.json() == shirt);
  CheckError(c.Get("/api/v1/products/999"), 404, "PRODUCT_NOT_FOUND");
  CheckError(c.Get("/api/v1/products/abc"), 400, "INVALID_REQUEST");
}

TEST_CASE("Admin routes need the token, checked after the request's shape", "[api][admin]") {
  TestServer server(TempDir("http-admin"));
  auto c = server.Client();
  std::string good = R"({"name":"Mug","price":5000,"stock":3})";
  CheckError(c.Post("/api/v1/admin/products", good), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/products", good, {"Authorization: Bearer wrong"}), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/products", good, {"Authorization: Bearer secretX"}), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/products", good, {"Authorization: secret"}), 401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/coupons", R"({"name":"c","discountType":"FIXED","discountValue":1,"totalQuantity":1})"),
             401, "UNAUTHORIZED");
  CheckError(c.Post("/api/v1/admin/products/1/options/1/restock", R"({"quantity":1})"), 401, "UNAUTHORIZED");
  // Shape first: a bad body answers 400 even without the token.
  CheckError(c.Post("/api/v1/admin/products", R"({"name":"Mug","price":-1,"stock":3})"), 400, "INVALID_AMOUNT");
  CHECK(server.store().LastPosition() == 0);
}

TEST_CASE("Every product field is validated and nothing is written on error", "[api][catalog][validation]") {
  TestServer server(TempDir("http-product-validation"));
  auto c = server.Client();
  auto post = [&](const std::string& body) { return c.Post("/api/v1/admin/products", body, {kAdmin}); };
  CheckError(post(R"({"name":"x","price":-5,"stock":1})"), 400, "INVALID_AMOUNT");
  CheckError(post(R"({"name":"x","price":1000000001,"stock":1})"), 400, "INVALID_AMOUNT");
  CheckError(post(R"({"name":"x","price":99999999999999999999,"stock":1})"), 400, "INVALID_AMOUNT");
  CheckError(post(R"({"name":"x","price":"5","stock":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","price":5,"stock":-1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","price":5,"stock":1.5})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","price":5,"stock":9223372036854775808})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","price":5})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"","price":5,"stock":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","options":[]})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","options":{}})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","options":[{"price":1,"stock":1}]})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","options":[{"name":"a","price":1,"stock":1}],"price":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"x","options":[1]})"), 400, "INVALID_REQUEST");
  CheckError(post("[]"), 400, "INVALID_REQUEST");
  CHECK(server.store().LastPosition() == 0);
}

TEST_CASE("Restock adds to one option and ids that do not match are 404", "[api][catalog]") {
  TestServer server(TempDir("http-restock"));
  auto c = server.Client();
  auto shirt = CreateProductAs(c, R"({"name":"Shirt","options":[{"name":"S","price":1200,"stock":5},{"name":"M","price":1000,"stock":0}]})");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":5000,"stock":3})");
  std::string shirt_id = Id(shirt["productId"]), m_id = Id(shirt["options"][1]["optionId"]);
  auto restocked = c.Post("/api/v1/admin/products/" + shirt_id + "/options/" + m_id + "/restock", R"({"quantity":7})", {kAdmin});
  REQUIRE(restocked.status == 200);
  CHECK(restocked.json()["options"][1]["stock"] == 7);
  CHECK(restocked.json()["stock"] == 12);
  CHECK(c.Get("/api/v1/products/" + shirt_id).json()["options"][1]["stock"] == 7);
  auto before = server.store().LastPosition();
  std::string mug_option = Id(mug["options"][0]["optionId"]);
  CheckError(c.Post("/api/v1/admin/products/" + shirt_id + "/options/" + mug_option + "/restock", R"({"quantity":1})", {kAdmin}),
             404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/products/999/options/1/restock", R"({"quantity":1})", {kAdmin}), 404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post("/api/v1/admin/products/" + shirt_id + "/options/" + m_id + "/restock", R"({"quantity":0})", {kAdmin}),
             400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/admin/products/" + shirt_id + "/options/" + m_id + "/restock", R"({"quantity":-3})", {kAdmin}),
             400, "INVALID_REQUEST");
  CHECK(server.store().LastPosition() == before);
}

TEST_CASE("The product list pages by id and hides sold-out products", "[api][catalog]") {
  TestServer server(TempDir("http-product-list"));
  auto c = server.Client();
  for (int i = 1; i <= 25; ++i) {
    CreateProductAs(c, R"({"name":"p)" + std::to_string(i) + R"(","price":100,"stock":)" + std::to_string(i % 5 == 0 ? 0 : i) + "}");
  }
  std::vector<long long> seen;
  std::string cursor;
  do {
    auto r = c.Get("/api/v1/products?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    auto body = r.json();
    for (auto& item : body["items"]) {
      seen.push_back(item["productId"].get<long long>());
      CHECK(item["soldOut"] == false);
      CHECK_FALSE(item.contains("options"));
    }
    cursor = body["nextCursor"].is_null() ? "" : body["nextCursor"].get<std::string>();
  } while (!cursor.empty());
  CHECK(seen.size() == 20);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  auto all = c.Get("/api/v1/products?includeSoldOut=true&limit=100").json();
  CHECK(all["items"].size() == 25);
  CHECK(all["items"][4]["soldOut"] == true);
  CHECK(all["nextCursor"].is_null());
  CheckError(c.Get("/api/v1/products?includeSoldOut=yes"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/products?limit=0"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/products?cursor=zzz"), 400, "INVALID_REQUEST");
}

TEST_CASE("A cart adds to lines, stays within stock, totals and removes lines", "[api][cart]") {
  TestServer server(TempDir("http-cart"));
  auto c = server.Client();
  auto user = Id(CreateUser(c, "kim"));
  auto shirt = CreateProductAs(c, R"({"name":"Shirt","options":[{"name":"S","price":1200,"stock":5},{"name":"M","price":1000,"stock":2}]})");
  auto mug = CreateProductAs(c, R"({"name":"Mug","price":5000,"stock":3})");
  std::string shirt_id = Id(shirt["productId"]), s_id = Id(shirt["options"][0]["optionId"]);
  std::string items = "/api/v1/users/" + user + "/cart/items";

  auto added = c.Post(items, R"({"productId":)" + shirt_id + R"(,"optionId":)" + s_id + R"(,"quantity":2})");
  REQUIRE(added.status == 200);
  added = c.Post(items, R"({"productId":)" + shirt_id + R"(,"optionId":)" + s_id + R"(,"quantity":3})");
  REQUIRE(added.status == 200);
  CHECK(added.json()["items"][0]["quantity"] == 5);
  CheckError(c.Post(items, R"({"productId":)" + shirt_id + R"(,"optionId":)" + s_id + R"(,"quantity":1})"), 409, "OUT_OF_STOCK");
  // optionId may be left out only for a one-option product.
  REQUIRE(c.Post(items, R"({"productId":)" + Id(mug["productId"]) + R"(,"quantity":2})").status == 200);
  CheckError(c.Post(items, R"({"productId":)" + shirt_id + R"(,"quantity":1})"), 400, "INVALID_REQUEST");

  auto cart = c.Get("/api/v1/users/" + user + "/cart");
  REQUIRE(cart.status == 200);
  auto body = cart.json();
  REQUIRE(body["items"].size() == 2);
  CHECK(body["items"][0]["name"] == "Shirt");
  CHECK(body["items"][0]["unitPrice"] == 1200);
  CHECK(body["totalAmount"] == 5 * 1200 + 2 * 5000);

  auto removed = c.Delete(items + "/" + s_id);
  CHECK(removed.status == 204);
  CHECK(removed.body.empty());
  CHECK(c.Delete(items + "/" + s_id).status == 204);  // also when the line is not there
  CHECK(c.Get("/api/v1/users/" + user + "/cart").json()["items"].size() == 1);

  auto before = server.store().LastPosition();
  CheckError(c.Post(items, R"({"productId":999,"quantity":1})"), 404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post(items, R"({"productId":)" + shirt_id + R"(,"optionId":)" + Id(mug["options"][0]["optionId"]) + R"(,"quantity":1})"),
             404, "PRODUCT_NOT_FOUND");
  CheckError(c.Post("/api/v1/users/999/cart/items", R"({"productId":)" + shirt_id + R"(,"quantity":1})"), 404, "USER_NOT_FOUND");
  CheckError(c.Post(items, R"({"productId":)" + shirt_id + R"(,"optionId":)" + s_id + R"(,"quantity":0})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(items, R"({"productId":"1","quantity":1})"), 400, "INVALID_REQUEST");
  CheckError(c.Post(items, R"({"productId":1,"quantity":1e3})"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/users/999/cart"), 404, "USER_NOT_FOUND");
  CHECK(server.store().LastPosition() == before);
}
