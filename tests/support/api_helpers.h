// tests/support/api_helpers.h
// Small steps that HTTP tests repeat: sign up, create as admin, check errors.
#pragma once

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/http_client.h"

namespace eventmart::testing {

inline const std::string kAdmin = "Authorization: Bearer secret";  // TestServer's default token

inline std::int64_t CreateUser(HttpClient& c, const std::string& name) {
  auto r = c.Post("/api/v1/users", R"({"name":")" + name + R"("})");
  REQUIRE(r.status == 201);
  return r.json()["userId"].get<std::int64_t>();
}

// `n` users who signed up, named `prefix` and a number from 0.
inline std::vector<std::int64_t> CreateUsers(HttpClient& c, int n, const std::string& prefix = "u") {
  std::vector<std::int64_t> users;
  for (int i = 0; i < n; ++i) users.push_back(CreateUser(c, prefix + std::to_string(i)));
  return users;
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

// Request bodies.
inline std::string UserBody(std::int64_t user) { return R"({"userId":)" + std::to_string(user) + "}"; }

inline std::string PayBody(std::int64_t order, std::int64_t user) {
  return R"({"orderId":)" + std::to_string(order) + R"(,"userId":)" + std::to_string(user) + "}";
}

// An order of `items` (a JSON array), with `extra` fields (",\"pay\":true") after them.
inline std::string OrderBody(std::int64_t user, const std::string& items, const std::string& extra = "") {
  return R"({"userId":)" + std::to_string(user) + R"(,"items":)" + items + extra + "}";
}

// The field that puts `coupon` on an order (an `extra` of OrderBody).
inline std::string CouponField(const nlohmann::json& coupon) { return R"(,"couponId":)" + Id(coupon["couponId"]); }

// One order line of a product with one option.
inline std::string LineBody(const nlohmann::json& product, int quantity) {
  return R"({"productId":)" + Id(product["productId"]) + R"(,"quantity":)" + std::to_string(quantity) + "}";
}

// One order (or cart) line of one of a product's options.
inline std::string OptionLine(const nlohmann::json& product, int option_index, int quantity) {
  return R"({"productId":)" + Id(product["productId"]) + R"(,"optionId":)" +
         Id(product["options"][option_index]["optionId"]) + R"(,"quantity":)" + std::to_string(quantity) + "}";
}

// The items of an order of that one line.
inline std::string OneLine(const nlohmann::json& product, int quantity) { return "[" + LineBody(product, quantity) + "]"; }

// Given steps that must succeed.
inline void Charge(HttpClient& c, std::int64_t user, long long amount) {
  REQUIRE(c.Post("/api/v1/points/" + Id(user) + "/charge", R"({"amount":)" + std::to_string(amount) + "}").status == 200);
}

// A user who signed up and charged `amount` points.
inline std::int64_t ChargedUser(HttpClient& c, const std::string& name, long long amount) {
  auto user = CreateUser(c, name);
  Charge(c, user, amount);
  return user;
}

inline void IssueCouponTo(HttpClient& c, const nlohmann::json& coupon, std::int64_t user) {
  REQUIRE(c.Post("/api/v1/coupons/" + Id(coupon["couponId"]) + "/issue", UserBody(user)).status == 201);
}

}  // namespace eventmart::testing
