// tests/support/api_helpers.h
// Small steps that HTTP tests repeat: sign up, create as admin, check errors.
#pragma once

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tests/support/http_client.h"

namespace eventmart::testing {

inline const std::string kAdmin = "Authorization: Bearer secret";  // TestServer's default token

inline std::int64_t CreateUser(HttpClient& c, const std::string& name) {
  auto r = c.Post("/api/v1/users", R"({"name":")" + name + R"("})");
  REQUIRE(r.status == 201);
  return r.json()["userId"].get<std::int64_t>();
}

inline nlohmann::json CreateProductAs(HttpClient& c, const std::string& body) {
  auto r = c.Post("/api/v1/admin/products", body, {kAdmin});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json();
}

inline nlohmann::json CreateCouponAs(HttpClient& c, const std::string& body) {
  auto r = c.Post("/api/v1/admin/coupons", body, {kAdmin});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json();
}

inline void CheckError(const Response& r, int status, const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.json()["code"] == code);
  CHECK(r.json()["message"].is_string());
  CHECK((r.headers.count("content-type") == 1 && r.headers.at("content-type").starts_with("application/json")));
}

inline std::string Id(std::int64_t id) { return std::to_string(id); }

}  // namespace eventmart::testing
