// api/rate_limit.h
// Rate limits by route class, per user and per client IP (contract v2,
// "Rate limits"): `serve --rate-limit coupon-issue=50/s:100` and
// `--rate-limit-ip queries=200/s`.
//
// Each limit is a token bucket kept as one number per key, the "theoretical
// arrival time" of GCRA (the generic cell rate algorithm): a key may take a
// request when its TAT is at most `burst` intervals ahead of now. A key
// whose TAT has passed holds a full bucket, which is exactly what an absent
// key means, so idle keys are dropped without changing any answer (this is
// what bounds memory). Keys are spread over shards, each with its own
// mutex, and a decision is made under its shard's lock: N allowed means N,
// however many threads ask at once.
//
// Answers carry the IETF httpapi-ratelimit-headers fields (draft -12,
// whose field syntax is that of -11 sections 3 and 4):
//   RateLimit-Policy: "coupon-issue-per-user";q=100;w=2
//   RateLimit: "coupon-issue-per-user";r=0;t=2
// and a 429 adds Retry-After (whole seconds until one request is allowed).
//
// Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/http_types.h"
#include "api/router.h"
#include "domain/result.h"

namespace eventmart {

// Which limit a route counts against. Admin and operations routes have none:
// operators must be able to act (pause a coupon) in the middle of a storm.
enum class RouteClass : std::uint8_t { kCouponIssue, kCommands, kQueries };
inline constexpr std::size_t kRouteClasses = 3;
std::string_view RouteClassName(RouteClass route_class);

// Who a limit is kept for.
enum class RateScope : std::uint8_t { kUser, kIp };
std::string_view RateScopeName(RateScope scope);

// "N/s[:BURST]" for one route class: N requests a second, BURST at once
// (default N).
struct RatePolicy {
  RouteClass route_class = RouteClass::kQueries;
  std::int64_t per_second = 0;
  std::int64_t burst = 0;
};

inline constexpr std::int64_t kMaxRatePerSecond = 1'000'000;

// Parses "CLASS=N/s[:BURST]"; the error's detail says what is wrong, for
// the command line's one-line usage message.
[[nodiscard]] Result<RatePolicy> ParseRatePolicy(std::string_view text);

struct RateLimitConfig {
  std::vector<RatePolicy> per_user;
  std::vector<RatePolicy> per_ip;
  bool empty() const { return per_user.empty() && per_ip.empty(); }
};

// Parses every flag value of one scope; a class given twice is an error.
[[nodiscard]] Result<std::vector<RatePolicy>> ParseRatePolicies(const std::vector<std::string>& texts);

// One policy's buckets, one per key.
class TokenBuckets {
 public:
  explicit TokenBuckets(RatePolicy policy, std::size_t max_keys = 1 << 20);

  struct Taken {
    bool allowed = false;
    std::int64_t remaining = 0;      // requests still allowed at once after this one
    std::int64_t reset_seconds = 0;  // until the bucket is full again
    std::int64_t retry_after_seconds = 0;  // when refused: until one request is allowed
  };
  // Takes one request for `key` at now_ms. A refusal changes nothing. When
  // the table is full of keys still in use, a new key is refused.
  Taken Take(std::string_view key, std::int64_t now_ms);
  // Gives back a request taken at now_ms (another limit refused it).
  void Give(std::string_view key, std::int64_t now_ms);

  const RatePolicy& policy() const { return policy_; }
  std::size_t keys() const;
  // The window of the policy in whole seconds: the time to fill an empty bucket.
  std::int64_t window_seconds() const;

 private:
  static constexpr std::size_t kShards = 32;
  // Looks keys up by string_view: no copy of the key unless it is new.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::int64_t, KeyHash, std::equal_to<>> tat_ns;  // theoretical arrival time
    std::size_t next_sweep = 1024;
  };
  Shard& ShardOf(std::string_view key);
  // Drops keys whose bucket is full again (their TAT has passed).
  void Sweep(Shard& shard, std::int64_t now_ns);

  RatePolicy policy_;
  std::int64_t interval_ns_;  // between two requests at the sustained rate
  std::int64_t capacity_ns_;  // burst * interval
  std::size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

// Counts of refusals, for /metrics.
struct RateLimitCounts {
  std::array<std::array<std::uint64_t, 2>, kRouteClasses> refused{};  // [class][scope]
};

// Every limit of a server. The request's user key comes from RateKey().
class RateLimiter {
 public:
  explicit RateLimiter(const RateLimitConfig& config);

  // Takes one request of `route_class` for the request's user (if a user
  // limit applies and the request names one) and its client IP. A refusal
  // is a 429 RATE_LIMITED with Retry-After; either way the answer carries
  // the RateLimit-Policy and RateLimit fields of the limits that applied.
  Admission Admit(RouteClass route_class, const std::string& user_key, const std::string& client_ip,
                  std::int64_t now_ms);

  bool Limits(RouteClass route_class, RateScope scope) const;
  RateLimitCounts counts() const;

 private:
  std::array<std::unique_ptr<TokenBuckets>, kRouteClasses> per_user_;
  std::array<std::unique_ptr<TokenBuckets>, kRouteClasses> per_ip_;
  mutable std::mutex counts_mu_;
  RateLimitCounts counts_;
};

// The route class of a route (its method and pattern), or nullopt for the
// routes that are never limited (admin, operations, documents).
std::optional<RouteClass> ClassOfRoute(std::string_view method, std::string_view pattern);

// The user a request counts against: its authenticated identity when there
// is one (HttpRequest::identity, set by authentication), else the userId it
// names (path /points/{id} or /users/{id}, query ?userId=, or the body's
// "userId"), as "user:<id>"; empty when it names none (only the IP limit
// applies then).
std::string RateKey(const HttpRequest& request, std::string_view pattern, const std::vector<std::string_view>& params);

}  // namespace eventmart
