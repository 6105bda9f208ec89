// eventmart bench limiter: what the rate-limit gate costs a request, in
// process (no HTTP, no store). Each of --threads threads sends --requests /
// threads coupon-issue requests of distinct users from its own address
// through exactly what the router's gate does: the route's class, the user
// key (the body parsed for its userId), and the IP and user buckets of
// `--rate-limit coupon-issue=1000/s --rate-limit-ip coupon-issue=1000000/s`
// (never hit: every user asks once). Prints requests_per_sec last.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "api/rate_limit.h"
#include "commands/clock.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int BenchLimiter(const BenchLimiterOptions& o) {
  if (o.requests < 1 || o.threads < 1) {
    std::fprintf(stderr, "eventmart bench limiter: --requests and --threads must be >= 1\n");
    return kExitUsage;
  }
  RateLimitConfig config;
  config.per_user = {{.route_class = RouteClass::kCouponIssue, .per_second = 1000, .burst = 1000}};
  config.per_ip = {{.route_class = RouteClass::kCouponIssue, .per_second = kMaxRatePerSecond,
                    .burst = kMaxRatePerSecond}};
  RateLimiter limiter(config);
  SystemClock clock;
  const std::string pattern = "/api/v1/coupons/{}/issue";
  const std::vector<std::string_view> params = {"1"};
  std::int64_t per_thread = o.requests / o.threads;
  std::vector<std::thread> threads;
  std::vector<std::int64_t> refused(static_cast<std::size_t>(o.threads), 0);
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      HttpRequest request{.method = "POST", .path = "/api/v1/coupons/1/issue"};
      request.client_ip = "10.0.0." + std::to_string(t + 1);
      for (std::int64_t i = 0; i < per_thread; ++i) {
        request.body = R"({"userId":)" + std::to_string(1 + t + i * o.threads) + "}";
        auto route_class = ClassOfRoute(request.method, pattern);
        std::string user = RateKey(request, pattern, params);
        auto admission = limiter.Admit(*route_class, user, request.client_ip, clock.NowMs());
        refused[static_cast<std::size_t>(t)] += admission.refusal.has_value();
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t total = per_thread * o.threads, refusals = 0;
  for (auto r : refused) refusals += r;
  std::printf("requests=%lld threads=%d refused=%lld seconds=%.3f ns_per_request_per_thread=%.0f\n",
              static_cast<long long>(total), o.threads, static_cast<long long>(refusals), seconds,
              seconds * 1e9 * o.threads / static_cast<double>(total));
  std::printf("requests_per_sec %.0f\n", static_cast<double>(total) / seconds);
  return kExitOk;
}

}  // namespace eventmart::cli
