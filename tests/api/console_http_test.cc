// The operators' console over HTTP: its embedded files and the admin coupon
// list it charts. (tests/browser/console_test.mjs drives it in a browser.)
#include <catch2/catch.hpp>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

TEST_CASE("GET /console serves the embedded page and its files under a self-only policy", "[api][console]") {
  TestServer server(TempDir("http-console"));
  auto c = server.Client();
  auto page = c.Get("/console");
  REQUIRE(page.status == 200);
  CHECK(page.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(page.headers["content-security-policy"].starts_with("default-src 'none'; script-src 'self'"));
  CHECK(page.headers["x-content-type-options"] == "nosniff");
  CHECK(page.body.find("/console/console.js") != std::string::npos);
  CHECK(page.body.find("http") == std::string::npos);  // no other origin named anywhere
  for (auto [file, type] : {std::pair{"console.js", "text/javascript; charset=utf-8"},
                            std::pair{"console.css", "text/css; charset=utf-8"},
                            std::pair{"uPlot.iife.min.js", "text/javascript; charset=utf-8"},
                            std::pair{"uPlot.min.css", "text/css; charset=utf-8"}}) {
    INFO(file);
    auto r = c.Get(std::string("/console/") + file);
    CHECK(r.status == 200);
    CHECK(r.headers["content-type"] == type);
    CHECK(!r.headers["content-security-policy"].empty());
    CHECK(r.body.size() > 500);
  }
  CheckError(c.Get("/console/missing.js"), 404, "NOT_FOUND");
  CheckError(c.Post("/console", ""), 405, "METHOD_NOT_ALLOWED");
}

TEST_CASE("Admins list every coupon with its remaining quantity", "[api][admin][coupons]") {
  TestServer server(TempDir("http-admin-coupons"));
  auto c = server.Client();
  auto first = CreateCouponAs(c, R"({"name":"A","discountType":"FIXED","discountValue":1000,"totalQuantity":3})");
  CreateCouponAs(c, R"({"name":"B","discountType":"RATE","discountValue":10,"totalQuantity":5})");
  CreateCouponAs(c, R"({"name":"C","discountType":"RATE","discountValue":20,"totalQuantity":7})");
  auto kim = CreateUser(c, "kim");
  REQUIRE(c.Post("/api/v1/coupons/" + first["couponId"].dump() + "/issue", R"({"userId":)" + Id(kim) + "}").status == 201);

  CheckError(c.Get("/api/v1/admin/coupons"), 401, "UNAUTHORIZED");
  CheckError(c.Get("/api/v1/admin/coupons?limit=0", {kAdmin}), 400, "INVALID_REQUEST");
  auto all = c.Get("/api/v1/admin/coupons", {kAdmin});
  REQUIRE(all.status == 200);
  auto items = all.json()["items"];
  REQUIRE(items.size() == 3);
  CHECK(items[0]["name"] == "A");
  CHECK(items[0]["totalQuantity"] == 3);
  CHECK(items[0]["remainingQuantity"] == 2);
  CHECK(items[2]["remainingQuantity"] == 7);
  CHECK(all.json()["nextCursor"].is_null());

  auto page1 = c.Get("/api/v1/admin/coupons?limit=2", {kAdmin}).json();
  REQUIRE(page1["items"].size() == 2);
  REQUIRE(page1["nextCursor"].is_string());
  auto page2 = c.Get("/api/v1/admin/coupons?limit=2&cursor=" + page1["nextCursor"].get<std::string>(), {kAdmin}).json();
  REQUIRE(page2["items"].size() == 1);
  CHECK(page2["items"][0]["name"] == "C");
  CHECK(page2["nextCursor"].is_null());
}
