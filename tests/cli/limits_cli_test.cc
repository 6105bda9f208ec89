// `eventmart serve` with rate limits, as operators start it.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/serve_args.h"

using namespace eventmart::testing;

TEST_CASE("A bad rate limit flag is one line on stderr and exit code 2", "[cli][ratelimit]") {
  std::string dir = TempDir("cli-ratelimit-flags");
  struct Case {
    const char* flag;
    const char* value;
    const char* says;
  };
  for (const auto& c : {Case{"--rate-limit", "coupon-issue", "no '='"},
                        Case{"--rate-limit", "bogus=5/s", "unknown route class 'bogus'"},
                        Case{"--rate-limit", "queries=5", "the rate must be N/s"},
                        Case{"--rate-limit", "queries=5/m", "the rate must be N/s"},
                        Case{"--rate-limit", "queries=0/s", "N must be a whole number"},
                        Case{"--rate-limit", "queries=-3/s", "N must be a whole number"},
                        Case{"--rate-limit", "queries=2000000/s", "N must be a whole number"},
                        Case{"--rate-limit", "queries=5/s:", "BURST must be a whole number"},
                        Case{"--rate-limit", "queries=5/s:0", "BURST must be a whole number"},
                        Case{"--rate-limit-ip", "commands=5/s:x", "BURST must be a whole number"},
                        Case{"--rate-limit-ip", "commands=5/s10", "unexpected '10' after N/s"}}) {
    INFO(c.flag << " " << c.value);
    auto run = Run(ServeArgs(dir, {c.flag, c.value}));
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(c.flag) != std::string::npos);
    CHECK(run.err.find(c.says) != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  }
  auto twice = Run(ServeArgs(dir, {"--rate-limit", "queries=5/s", "--rate-limit", "queries=9/s"}));
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("route class queries is limited twice") != std::string::npos);
  // Nothing was created: the flags are checked before the store is opened.
  CHECK(!std::filesystem::exists(dir + "/events"));
}

TEST_CASE("serve --rate-limit-ip refuses past the burst and counts it in /metrics", "[cli][ratelimit]") {
  std::string dir = TempDir("cli-ratelimit");
  // One request a minute would be "1/s" at most; a burst of 3 at 1/s: ten quick requests cannot all pass.
  Process server(ServeArgs(dir, {"--rate-limit-ip", "queries=1/s:3", "--rate-limit", "coupon-issue=10/s"}),
                 dir + "/server.log");
  int port = StartServer(server);
  REQUIRE(port > 0);
  HttpClient c("127.0.0.1", port);
  int ok = 0, limited = 0;
  Response refusal;
  for (int i = 0; i < 10; ++i) {
    auto r = c.Get("/api/v1/products");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      refusal = r;
    }
  }
  CHECK(ok >= 3);
  CHECK(ok + limited == 10);
  REQUIRE(limited > 0);
  CHECK(refusal.json()["code"] == "RATE_LIMITED");
  CHECK(std::stoi(refusal.headers["retry-after"]) >= 1);
  CHECK(refusal.headers["ratelimit-policy"] == R"("queries-per-ip";q=3;w=3)");
  auto metrics = c.Get("/metrics").body;
  CHECK(metrics.find("eventmart_rate_limited_total{class=\"queries\",scope=\"ip\"} " + std::to_string(limited)) !=
        std::string::npos);
}
