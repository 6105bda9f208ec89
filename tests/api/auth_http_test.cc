// `serve --auth jwt` as a shopper's client meets it: a real server process
// with a JWKS (an RSA and a P-256 key), an HS256 secret, an issuer and an
// audience; tokens made by tests/support/jwt_maker (OpenSSL, apart from the
// server's code). Every refused request is checked to change nothing: the
// balance and the log's head stay where they were.
#include <signal.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "tests/support/cli_helpers.h"
#include "tests/support/http_client.h"
#include "tests/support/jwt_maker.h"
#include "tests/support/process.h"

using namespace eventmart::testing;
using nlohmann::json;

namespace {

const std::string kIssuer = "https://id.example.test";
const std::string kAudience = "eventmart-api";
const std::string kSecret = "an-hs256-secret-of-at-least-32-bytes!!";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

json Claims(const std::string& sub, json extra = json::object()) {
  json claims = {{"iss", kIssuer}, {"aud", kAudience}, {"sub", sub}, {"iat", NowSeconds()},
                 {"exp", NowSeconds() + 600}};
  for (auto& [k, v] : extra.items()) claims[k] = v;
  return claims;
}

json Header(const TestKey& key) { return {{"alg", key.alg}, {"typ", "JWT"}, {"kid", key.kid}}; }

std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token; }

// A server with --auth jwt on a fresh store, and its keys.
struct JwtServer {
  std::string dir = TempDir("auth");
  TestKey rsa = MakeRsaKey("rsa-1");
  TestKey ec = MakeEcKey("ec-1");
  std::string jwks_path = dir + "/jwks.json";
  std::string secret_path = dir + "/hs256.secret";
  std::unique_ptr<Process> process;
  int port = 0;

  explicit JwtServer(std::vector<std::string> extra = {}) {
    WriteFile(jwks_path, Jwks({&rsa, &ec}));
    WriteFile(secret_path, kSecret + "\n");
    Start(std::move(extra));
  }

  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {EVENTMART_BIN, "serve", "--data-dir", dir + "/data", "--listen", "127.0.0.1:0",
                                     "--admin-token", "secret", "--auth", "jwt", "--jwks", jwks_path,
                                     "--jwt-hs256-secret-file", secret_path, "--jwt-issuer", kIssuer,
                                     "--jwt-audience", kAudience};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Process>(argv, dir + "/server.log");
    port = StartServer(*process);
    REQUIRE(port > 0);
  }

  void Stop() {
    process->Signal(SIGTERM);
    CHECK(process->Wait() == 0);
  }

  HttpClient Client() const { return HttpClient("127.0.0.1", port); }

  std::string Rs256(const std::string& sub, json extra = json::object()) const {
    return SignWith(rsa, Header(rsa), Claims(sub, std::move(extra)));
  }
};

std::int64_t SignUp(HttpClient& c, const std::string& token, const std::string& name) {
  auto r = c.Post("/api/v1/users", R"({"name":")" + name + R"("})", {Bearer(token)});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json()["userId"].get<std::int64_t>();
}

std::int64_t Balance(HttpClient& c, std::int64_t user, const std::string& token) {
  auto r = c.Get("/api/v1/points/" + std::to_string(user), {Bearer(token)});
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json()["balance"].get<std::int64_t>();
}

std::int64_t LogHead(HttpClient& c) {
  auto r = c.Get("/readyz");
  REQUIRE(r.status == 200);
  return r.json()["head"].get<std::int64_t>();
}

void CheckUnauthorized(const Response& r, bool missing) {
  INFO(r.body);
  CHECK(r.status == 401);
  CHECK(r.json()["code"] == "UNAUTHORIZED");
  REQUIRE(r.headers.count("www-authenticate") == 1);
  CHECK(r.headers.at("www-authenticate") == (missing ? "Bearer" : "Bearer error=\"invalid_token\""));
}

}  // namespace

TEST_CASE("With --auth jwt every bad token is refused with 401 and changes nothing", "[api][auth]") {
  JwtServer server;
  auto c = server.Client();
  std::string alice_token = server.Rs256("alice");
  auto alice = SignUp(c, alice_token, "alice");
  REQUIRE(c.Post("/api/v1/points/" + std::to_string(alice) + "/charge", R"({"amount":1000})", {Bearer(alice_token)}).status == 200);
  std::int64_t head = LogHead(c);

  std::int64_t now = NowSeconds();
  TestKey stranger = MakeRsaKey("rsa-1");  // the same kid, a key the server never saw
  json rs_header = Header(server.rsa);
  std::string good_claims_b64 = B64Url(Claims("alice").dump());
  std::vector<std::pair<std::string, std::string>> bad = {
      {"garbage", "not-a-token"},
      {"two parts", B64Url(rs_header.dump()) + "." + good_claims_b64},
      {"unsigned (empty signature)", B64Url(rs_header.dump()) + "." + good_claims_b64 + "."},
      {"alg none", B64Url(R"({"alg":"none","typ":"JWT"})") + "." + good_claims_b64 + "."},
      {"alg none with a signature", B64Url(R"({"alg":"none"})") + "." + good_claims_b64 + "." + B64Url("sig")},
      {"HS256 signed with the RSA public key as secret",
       SignHs256(PublicPem(server.rsa), {{"alg", "HS256"}, {"kid", "rsa-1"}}, Claims("alice"))},
      {"HS256 signed with another secret", SignHs256(kSecret + "x", {{"alg", "HS256"}}, Claims("alice"))},
      {"RS256 with an unknown kid", SignWith(server.rsa, {{"alg", "RS256"}, {"kid", "rsa-9"}}, Claims("alice"))},
      {"RS256 without a kid", SignWith(server.rsa, {{"alg", "RS256"}}, Claims("alice"))},
      {"RS256 signed by a stranger's key", SignWith(stranger, rs_header, Claims("alice"))},
      {"ES256 naming the RSA key's kid", SignWith(server.ec, {{"alg", "ES256"}, {"kid", "rsa-1"}}, Claims("alice"))},
      {"RS384 (not configured)", SignWith(server.rsa, {{"alg", "RS384"}, {"kid", "rsa-1"}}, Claims("alice"))},
      {"claims changed after signing (the signature of a token verified and cached before)",
       [&] {
         std::string forged = B64Url(Claims("alice", {{"roles", {"admin"}}, {"exp", now + 7200}}).dump());
         auto d1 = alice_token.find('.'), d2 = alice_token.find('.', d1 + 1);
         return alice_token.substr(0, d1 + 1) + forged + alice_token.substr(d2);
       }()},
      {"expired beyond the leeway", server.Rs256("alice", {{"exp", now - 120}})},
      {"not valid yet", server.Rs256("alice", {{"nbf", now + 3600}})},
      {"no exp", SignWith(server.rsa, rs_header, json{{"iss", kIssuer}, {"aud", kAudience}, {"sub", "alice"}})},
      {"wrong issuer", server.Rs256("alice", {{"iss", "https://evil.example.test"}})},
      {"wrong audience", server.Rs256("alice", {{"aud", "another-api"}})},
      {"no sub", SignWith(server.rsa, rs_header, json{{"iss", kIssuer}, {"aud", kAudience}, {"exp", now + 600}})},
  };
  std::string charge_path = "/api/v1/points/" + std::to_string(alice) + "/charge";
  for (const auto& [what, token] : bad) {
    INFO(what);
    CheckUnauthorized(c.Post(charge_path, R"({"amount":5})", {Bearer(token)}), /*missing=*/false);
    CheckUnauthorized(c.Get("/api/v1/points/" + std::to_string(alice), {Bearer(token)}), false);
    CheckUnauthorized(c.Post("/api/v1/users", R"({"name":"mallory"})", {Bearer(token)}), false);
  }
  CheckUnauthorized(c.Post(charge_path, R"({"amount":5})"), /*missing=*/true);
  CheckUnauthorized(c.Get("/api/v1/orders?userId=" + std::to_string(alice)), true);
  CheckUnauthorized(c.Post("/api/v1/users", R"({"name":"anonymous"})"), true);
  CheckUnauthorized(c.Post(charge_path, R"({"amount":5})", {"Authorization: Basic YWxpY2U6cHc="}), false);

  CHECK(Balance(c, alice, alice_token) == 1000);
  CHECK(LogHead(c) == head);
}

TEST_CASE("A valid token acts only for its own user: another user's id is 403 and changes nothing", "[api][auth]") {
  JwtServer server;
  auto c = server.Client();
  std::string alice_token = server.Rs256("alice");
  std::string bob_token = server.Rs256("bob");
  auto alice = SignUp(c, alice_token, "alice");
  auto bob = SignUp(c, bob_token, "bob");
  auto product = c.Post("/api/v1/admin/products", R"({"name":"Mug","price":100,"stock":5})", {"Authorization: Bearer secret"});
  REQUIRE(product.status == 201);
  auto coupon = c.Post("/api/v1/admin/coupons",
                       R"({"name":"c","discountType":"FIXED","discountValue":10,"totalQuantity":5})",
                       {"Authorization: Bearer secret"});
  REQUIRE(coupon.status == 201);
  std::string a = std::to_string(alice);
  REQUIRE(c.Post("/api/v1/points/" + a + "/charge", R"({"amount":1000})", {Bearer(alice_token)}).status == 200);
  auto order = c.Post("/api/v1/orders",
                      R"({"userId":)" + a + R"(,"items":[{"productId":)" + std::to_string(product.json()["productId"].get<int>()) +
                          R"(,"quantity":1}]})",
                      {Bearer(alice_token)});
  REQUIRE(order.status == 201);
  std::string order_id = std::to_string(order.json()["orderId"].get<int>());
  std::int64_t head = LogHead(c);

  // Bob's valid token, Alice's id, on every route that names a user.
  std::string coupon_id = std::to_string(coupon.json()["couponId"].get<int>());
  std::vector<std::pair<std::string, Response>> tried;
  tried.emplace_back("charge", c.Post("/api/v1/points/" + a + "/charge", R"({"amount":5})", {Bearer(bob_token)}));
  tried.emplace_back("balance", c.Get("/api/v1/points/" + a, {Bearer(bob_token)}));
  tried.emplace_back("history", c.Get("/api/v1/points/" + a + "/history", {Bearer(bob_token)}));
  tried.emplace_back("issue", c.Post("/api/v1/coupons/" + coupon_id + "/issue", R"({"userId":)" + a + "}", {Bearer(bob_token)}));
  tried.emplace_back("held", c.Get("/api/v1/coupons?userId=" + a, {Bearer(bob_token)}));
  tried.emplace_back("cart add", c.Post("/api/v1/users/" + a + "/cart/items",
                                        R"({"productId":)" + std::to_string(product.json()["productId"].get<int>()) + R"(,"quantity":1})",
                                        {Bearer(bob_token)}));
  tried.emplace_back("cart", c.Get("/api/v1/users/" + a + "/cart", {Bearer(bob_token)}));
  tried.emplace_back("cart remove", c.Delete("/api/v1/users/" + a + "/cart/items/" +
                                                 std::to_string(product.json()["options"][0]["optionId"].get<int>()),
                                             {Bearer(bob_token)}));
  tried.emplace_back("orders", c.Get("/api/v1/orders?userId=" + a, {Bearer(bob_token)}));
  tried.emplace_back("order", c.Get("/api/v1/orders/" + order_id, {Bearer(bob_token)}));
  tried.emplace_back("pay as alice", c.Post("/api/v1/payments", R"({"orderId":)" + order_id + R"(,"userId":)" + a + "}", {Bearer(bob_token)}));
  tried.emplace_back("pay as bob", c.Post("/api/v1/payments", R"({"orderId":)" + order_id + R"(,"userId":)" + std::to_string(bob) + "}", {Bearer(bob_token)}));
  tried.emplace_back("cancel", c.Post("/api/v1/orders/" + order_id + "/cancel", R"({"userId":)" + a + "}", {Bearer(bob_token)}));
  tried.emplace_back("place order", c.Post("/api/v1/orders", R"({"userId":)" + a + R"(,"items":[{"productId":)" +
                                                                  std::to_string(product.json()["productId"].get<int>()) + R"(,"quantity":1}]})",
                                           {Bearer(bob_token)}));
  for (const auto& [what, r] : tried) {
    INFO(what << ": " << r.body);
    CHECK(r.status == 403);
    CHECK(r.json()["code"] == "FORBIDDEN");
  }
  CHECK(LogHead(c) == head);
  CHECK(Balance(c, alice, alice_token) == 1000);

  // Existence is checked before ownership, as v1 orders the checks.
  auto unknown = c.Get("/api/v1/points/999999", {Bearer(bob_token)});
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["code"] == "USER_NOT_FOUND");
  auto unknown_charge = c.Post("/api/v1/points/999999/charge", R"({"amount":5})", {Bearer(bob_token)});
  CHECK(unknown_charge.status == 404);
  CHECK(c.Get("/api/v1/orders/999999", {Bearer(bob_token)}).status == 404);

  // Alice's own token, by any configured algorithm with her iss and sub, acts for her.
  std::string alice_es = SignWith(server.ec, Header(server.ec), Claims("alice"));
  std::string alice_hs = SignHs256(kSecret, {{"alg", "HS256"}, {"typ", "JWT"}}, Claims("alice"));
  CHECK(c.Post("/api/v1/points/" + a + "/charge", R"({"amount":1})", {Bearer(alice_es)}).status == 200);
  CHECK(c.Post("/api/v1/points/" + a + "/charge", R"({"amount":1})", {Bearer(alice_hs)}).status == 200);
  std::string alice_late = server.Rs256("alice", {{"exp", NowSeconds() - 10}});  // within the 30 s leeway
  CHECK(c.Get("/api/v1/orders/" + order_id, {Bearer(alice_late)}).status == 200);
  CHECK(Balance(c, alice, alice_token) == 1002);
}

TEST_CASE("Admin routes take the admin token or a token whose roles include admin", "[api][auth]") {
  JwtServer server;
  auto c = server.Client();
  std::string body = R"({"name":"Mug","price":100,"stock":5})";
  CHECK(c.Post("/api/v1/admin/products", body, {Bearer(server.Rs256("ops", {{"roles", {"admin"}}}))}).status == 201);
  CHECK(c.Post("/api/v1/admin/products", body, {"Authorization: Bearer secret"}).status == 201);
  CHECK(c.Post("/api/v1/admin/products", body, {Bearer(server.Rs256("shopper", {{"roles", {"shopper"}}}))}).status == 401);
  CHECK(c.Post("/api/v1/admin/products", body, {Bearer(server.Rs256("shopper"))}).status == 401);
  CHECK(c.Post("/api/v1/admin/products", body,
               {Bearer(server.Rs256("ops", {{"roles", {"admin"}}, {"exp", NowSeconds() - 120}}))}).status == 401);
  CHECK(c.Get("/api/v1/products?includeSoldOut=true").json()["items"].size() == 2);
  // Operations routes need no token.
  CHECK(c.Get("/healthz").status == 200);
  CHECK(c.Get("/metrics").status == 200);
  CHECK(c.Get("/openapi.yaml").status == 200);
}

TEST_CASE("50 sign-ups racing with one subject make one user, bound in the log across a restart", "[api][auth]") {
  JwtServer server;
  std::string token = server.Rs256("racer");
  std::vector<Response> answers(50);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
      threads.emplace_back([&, i] {
        HttpClient c("127.0.0.1", server.port);
        answers[i] = c.Post("/api/v1/users", R"({"name":"racer)" + std::to_string(i) + R"("})", {Bearer(token)});
      });
    }
    for (auto& t : threads) t.join();
  }
  std::set<std::int64_t> ids;
  int created = 0;
  for (const auto& r : answers) {
    INFO(r.body);
    REQUIRE((r.status == 201 || r.status == 200));
    created += r.status == 201;
    ids.insert(r.json()["userId"].get<std::int64_t>());
  }
  CHECK(created == 1);
  REQUIRE(ids.size() == 1);
  std::int64_t user = *ids.begin();

  server.Stop();
  auto events = JsonLines(RunOk({EVENTMART_BIN, "replay", "--data-dir", server.dir + "/data", "--type", "user.UserRegistered"}).out);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["data"]["issuer"] == kIssuer);
  CHECK(events[0]["data"]["subject"] == "racer");
  RunOk({EVENTMART_BIN, "verify", "--data-dir", server.dir + "/data"});

  // After a restart the binding is folded back from the log.
  server.Start();
  auto c = server.Client();
  auto again = c.Post("/api/v1/users", R"({"name":"someone else"})", {Bearer(token)});
  CHECK(again.status == 200);
  CHECK(again.json()["userId"] == user);
  CHECK(c.Post("/api/v1/points/" + std::to_string(user) + "/charge", R"({"amount":7})", {Bearer(token)}).status == 200);
  CHECK(Balance(c, user, token) == 7);
}

TEST_CASE("SIGHUP re-reads the JWKS: a new kid is accepted, a removed one refused at once", "[api][auth]") {
  JwtServer server;
  auto c = server.Client();
  std::string old_token = server.Rs256("rotating");
  auto user = SignUp(c, old_token, "rot");
  std::string charge = "/api/v1/points/" + std::to_string(user) + "/charge";
  REQUIRE(c.Post(charge, R"({"amount":1})", {Bearer(old_token)}).status == 200);  // verified, and cached

  TestKey next = MakeRsaKey("rsa-2");
  std::string new_token = SignWith(next, Header(next), Claims("rotating"));
  CheckUnauthorized(c.Post(charge, R"({"amount":1})", {Bearer(new_token)}), false);

  WriteFile(server.jwks_path, Jwks({&next, &server.ec}));
  server.process->Signal(SIGHUP);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = c.Post(charge, R"({"amount":1})", {Bearer(new_token)}).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(status == 200);
  CheckUnauthorized(c.Post(charge, R"({"amount":1})", {Bearer(old_token)}), false);
  CHECK(Balance(c, user, new_token) == 2);

  // A JWKS that no longer parses keeps the keys in use.
  WriteFile(server.jwks_path, "{not json");
  server.process->Signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.Post(charge, R"({"amount":1})", {Bearer(new_token)}).status == 200);
  server.Stop();
}

TEST_CASE("With --issue-tokens a sign-up without a token gets one that acts for the new user", "[api][auth]") {
  JwtServer server({"--issue-tokens"});
  auto c = server.Client();
  auto kim = c.Post("/api/v1/users", R"({"name":"kim"})");
  INFO(kim.body);
  REQUIRE(kim.status == 201);
  REQUIRE(kim.json()["token"].is_string());
  std::string token = kim.json()["token"];
  std::string id = std::to_string(kim.json()["userId"].get<std::int64_t>());
  auto lee = c.Post("/api/v1/users", R"({"name":"lee"})");
  REQUIRE(lee.status == 201);
  std::string lee_id = std::to_string(lee.json()["userId"].get<std::int64_t>());

  CHECK(c.Post("/api/v1/points/" + id + "/charge", R"({"amount":300})", {Bearer(token)}).status == 200);
  CHECK(c.Get("/api/v1/points/" + id, {Bearer(token)}).json()["balance"] == 300);
  CHECK(c.Post("/api/v1/points/" + lee_id + "/charge", R"({"amount":300})", {Bearer(token)}).status == 403);
  CheckUnauthorized(c.Post("/api/v1/points/" + id + "/charge", R"({"amount":300})"), true);
  // A retry of a sign-up (same Idempotency-Key) gets the same user and token.
  auto first = c.Post("/api/v1/users", R"({"name":"park"})", {"Idempotency-Key: park-1"});
  auto retry = c.Post("/api/v1/users", R"({"name":"park"})", {"Idempotency-Key: park-1"});
  REQUIRE(first.status == 201);
  CHECK(retry.status == 201);
  CHECK(retry.body == first.body);
  // Signing up with the token it was given names the same user.
  auto again = c.Post("/api/v1/users", R"({"name":"kim"})", {Bearer(token)});
  CHECK(again.status == 200);
  CHECK(again.json()["userId"].get<std::int64_t>() == kim.json()["userId"].get<std::int64_t>());
}

TEST_CASE("serve refuses auth flags that do not fit together, and warns when open on a network", "[cli][auth]") {
  std::string dir = TempDir("auth-flags");
  auto run = [&](std::vector<std::string> flags) {
    std::vector<std::string> argv = {EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return Run(argv);
  };
  CHECK(run({"--auth", "jwt"}).exit_code == 2);
  CHECK(run({"--issue-tokens"}).exit_code == 2);
  CHECK(run({"--auth", "basic"}).exit_code == 2);
  CHECK(Run({EVENTMART_BIN, "project", "--data-dir", dir + "/node", "--kafka-brokers", "127.0.0.1:1", "--auth", "jwt",
             "--jwt-hs256-secret-file", dir + "/short.secret", "--issue-tokens"}).exit_code == 2);
  WriteFile(dir + "/short.secret", "too short");
  auto short_secret = run({"--auth", "jwt", "--jwt-hs256-secret-file", dir + "/short.secret"});
  CHECK(short_secret.exit_code == 1);
  CHECK(short_secret.err.find("32 bytes") != std::string::npos);
  WriteFile(dir + "/oct.jwks", R"({"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]})");
  CHECK(run({"--auth", "jwt", "--jwks", dir + "/oct.jwks"}).exit_code == 1);

  Process open({EVENTMART_BIN, "serve", "--data-dir", dir + "/open", "--listen", "0.0.0.0:0"}, dir + "/open.log");
  REQUIRE(StartServer(open) > 0);
  open.Signal(SIGTERM);
  CHECK(open.Wait() == 0);
  std::ifstream log(dir + "/open.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("--auth none on 0.0.0.0") != std::string::npos);
}
