#include "api/rate_limit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <functional>

#include "api/json_io.h"
#include "api/router.h"

namespace eventmart {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

Result<RatePolicy> Bad(std::string_view text, std::string_view why) {
  return Fail(std::make_error_code(std::errc::invalid_argument),
              "'" + std::string(text) + "': " + std::string(why) +
                  " (expected CLASS=N/s[:BURST], CLASS one of coupon-issue, commands, queries)");
}

std::optional<std::int64_t> ParseCount(std::string_view digits) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 1 || value > kMaxRatePerSecond) {
    return std::nullopt;
  }
  return value;
}

std::optional<RouteClass> ParseRouteClass(std::string_view name) {
  for (auto c : {RouteClass::kCouponIssue, RouteClass::kCommands, RouteClass::kQueries}) {
    if (RouteClassName(c) == name) return c;
  }
  return std::nullopt;
}

std::int64_t CeilSeconds(std::int64_t ns) { return ns <= 0 ? 0 : (ns + kNsPerSecond - 1) / kNsPerSecond; }

std::string PolicyName(RouteClass route_class, RateScope scope) {
  return std::string(RouteClassName(route_class)) + "-per-" + std::string(RateScopeName(scope));
}

// Logs "the table is full" at most once a minute: under a flood of new keys
// it would otherwise log on every request.
void WarnFull(const RatePolicy& policy, std::int64_t now_ms) {
  static std::atomic<std::int64_t> last_ms{0};
  std::int64_t last = last_ms.load(std::memory_order_relaxed);
  if (now_ms - last < 60'000 || !last_ms.compare_exchange_strong(last, now_ms)) return;
  spdlog::warn("rate limit {}: every key slot holds an active client; new clients are refused (429) until some "
               "go idle",
               RouteClassName(policy.route_class));
}

}  // namespace

std::string_view RouteClassName(RouteClass route_class) {
  switch (route_class) {
    case RouteClass::kCouponIssue: return "coupon-issue";
    case RouteClass::kCommands: return "commands";
    case RouteClass::kQueries: return "queries";
  }
  return "unknown";
}

std::string_view RateScopeName(RateScope scope) { return scope == RateScope::kUser ? "user" : "ip"; }

Result<RatePolicy> ParseRatePolicy(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) return Bad(text, "no '='");
  auto route_class = ParseRouteClass(text.substr(0, eq));
  if (!route_class) return Bad(text, "unknown route class '" + std::string(text.substr(0, eq)) + "'");
  std::string_view rate = text.substr(eq + 1);
  auto slash = rate.find("/s");
  if (slash == std::string_view::npos) return Bad(text, "the rate must be N/s");
  auto per_second = ParseCount(rate.substr(0, slash));
  if (!per_second) return Bad(text, "N must be a whole number from 1 to " + std::to_string(kMaxRatePerSecond));
  std::string_view rest = rate.substr(slash + 2);
  std::int64_t burst = *per_second;
  if (!rest.empty()) {
    if (rest.front() != ':') return Bad(text, "unexpected '" + std::string(rest) + "' after N/s");
    auto parsed = ParseCount(rest.substr(1));
    if (!parsed) return Bad(text, "BURST must be a whole number from 1 to " + std::to_string(kMaxRatePerSecond));
    burst = *parsed;
  }
  return RatePolicy{.route_class = *route_class, .per_second = *per_second, .burst = burst};
}

Result<std::vector<RatePolicy>> ParseRatePolicies(const std::vector<std::string>& texts) {
  std::vector<RatePolicy> out;
  for (const auto& text : texts) {
    auto policy = ParseRatePolicy(text);
    if (!policy) return Fail(policy.error());
    for (const auto& earlier : out) {
      if (earlier.route_class == policy->route_class) {
        return Fail(std::make_error_code(std::errc::invalid_argument),
                    "'" + text + "': route class " + std::string(RouteClassName(policy->route_class)) +
                        " is limited twice");
      }
    }
    out.push_back(*policy);
  }
  return out;
}

// ---------------------------------------------------------------------------
// TokenBuckets (GCRA)

TokenBuckets::TokenBuckets(RatePolicy policy, std::size_t max_keys)
    : policy_(policy),
      interval_ns_(kNsPerSecond / policy.per_second),
      capacity_ns_(policy.burst * interval_ns_),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

TokenBuckets::Shard& TokenBuckets::ShardOf(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

void TokenBuckets::Sweep(Shard& shard, std::int64_t now_ns) {
  std::erase_if(shard.tat_ns, [now_ns](const auto& entry) { return entry.second <= now_ns; });
  shard.next_sweep = std::max<std::size_t>(1024, 2 * shard.tat_ns.size());
}

TokenBuckets::Taken TokenBuckets::Take(std::string_view key, std::int64_t now_ms) {
  const std::int64_t now = now_ms * kNsPerMs;
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.tat_ns.find(key);
  if (it == shard.tat_ns.end()) {
    if (shard.tat_ns.size() >= std::min(shard.next_sweep, max_keys_per_shard_)) Sweep(shard, now);
    if (shard.tat_ns.size() >= max_keys_per_shard_) {
      WarnFull(policy_, now_ms);
      return Taken{.allowed = false, .remaining = 0, .reset_seconds = 1, .retry_after_seconds = 1};
    }
    it = shard.tat_ns.emplace(std::string(key), now).first;
  }
  std::int64_t tat = std::max(it->second, now);
  std::int64_t next = tat + interval_ns_;
  if (next - now > capacity_ns_) {
    // With nothing left, the effective window ends when the next request is allowed.
    std::int64_t retry_after = std::max<std::int64_t>(1, CeilSeconds(next - capacity_ns_ - now));
    return Taken{.allowed = false, .remaining = 0, .reset_seconds = retry_after, .retry_after_seconds = retry_after};
  }
  it->second = next;
  return Taken{.allowed = true, .remaining = (capacity_ns_ - (next - now)) / interval_ns_,
               .reset_seconds = CeilSeconds(next - now), .retry_after_seconds = 0};
}

void TokenBuckets::Give(std::string_view key, std::int64_t now_ms) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.tat_ns.find(key);
  if (it == shard.tat_ns.end()) return;
  it->second = std::max(it->second - interval_ns_, now_ms * kNsPerMs);
}

std::size_t TokenBuckets::keys() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.tat_ns.size();
  }
  return n;
}

std::int64_t TokenBuckets::window_seconds() const { return std::max<std::int64_t>(1, CeilSeconds(capacity_ns_)); }

// ---------------------------------------------------------------------------
// RateLimiter

RateLimiter::RateLimiter(const RateLimitConfig& config) {
  for (const auto& p : config.per_user) {
    per_user_[static_cast<std::size_t>(p.route_class)] = std::make_unique<TokenBuckets>(p);
  }
  for (const auto& p : config.per_ip) {
    per_ip_[static_cast<std::size_t>(p.route_class)] = std::make_unique<TokenBuckets>(p);
  }
}

bool RateLimiter::Limits(RouteClass route_class, RateScope scope) const {
  const auto& table = scope == RateScope::kUser ? per_user_ : per_ip_;
  return table[static_cast<std::size_t>(route_class)] != nullptr;
}

RateLimitCounts RateLimiter::counts() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

Admission RateLimiter::Admit(RouteClass route_class, const std::string& user_key,
                                          const std::string& client_ip, std::int64_t now_ms) {
  struct Checked {
    RateScope scope;
    TokenBuckets* buckets;
    const std::string* key;
    TokenBuckets::Taken taken;
  };
  std::vector<Checked> checked;
  std::size_t index = static_cast<std::size_t>(route_class);
  // The IP first: it needs nothing parsed, and a flood from one address is
  // refused before its bodies are read for a user id.
  if (auto* ip = per_ip_[index].get()) checked.push_back({RateScope::kIp, ip, &client_ip, ip->Take(client_ip, now_ms)});
  bool allowed = checked.empty() || checked.back().taken.allowed;
  if (auto* user = per_user_[index].get(); user && allowed && !user_key.empty()) {
    checked.push_back({RateScope::kUser, user, &user_key, user->Take(user_key, now_ms)});
    allowed = checked.back().taken.allowed;
    // A refusal changes nothing: the IP's request is given back.
    if (!allowed && checked.front().scope == RateScope::kIp) checked.front().buckets->Give(client_ip, now_ms);
  }

  Admission admission;
  std::string policies, limits;
  std::int64_t retry_after = 0;
  for (const auto& c : checked) {
    std::string name = "\"" + PolicyName(route_class, c.scope) + "\"";
    if (!policies.empty()) policies += ", ";
    policies += name + ";q=" + std::to_string(c.buckets->policy().burst) +
                ";w=" + std::to_string(c.buckets->window_seconds());
    if (!limits.empty()) limits += ", ";
    limits += name + ";r=" + std::to_string(c.taken.remaining) + ";t=" + std::to_string(c.taken.reset_seconds);
    if (!c.taken.allowed) retry_after = std::max(retry_after, c.taken.retry_after_seconds);
  }
  if (!policies.empty()) {
    admission.headers.emplace_back("RateLimit-Policy", std::move(policies));
    admission.headers.emplace_back("RateLimit", std::move(limits));
  }
  if (allowed) return admission;

  RateScope refused_by = checked.back().scope;
  {
    std::lock_guard lock(counts_mu_);
    ++counts_.refused[index][static_cast<std::size_t>(refused_by)];
  }
  HttpResponse refusal = ErrorResponse(429, "RATE_LIMITED",
                                       "too many " + std::string(RouteClassName(route_class)) + " requests for this " +
                                           std::string(RateScopeName(refused_by)) + "; retry after " +
                                           std::to_string(retry_after) + " s");
  refusal.headers = std::move(admission.headers);
  refusal.headers.emplace_back("Retry-After", std::to_string(retry_after));
  admission.headers.clear();
  admission.refusal = std::move(refusal);
  return admission;
}

// ---------------------------------------------------------------------------
// Which routes, and whose requests

std::optional<RouteClass> ClassOfRoute(std::string_view method, std::string_view pattern) {
  constexpr std::string_view kApi = "/api/v1/";
  if (!pattern.starts_with(kApi) || pattern.starts_with("/api/v1/admin/")) return std::nullopt;
  if (method == "GET") return RouteClass::kQueries;
  if (method == "POST" && pattern == "/api/v1/coupons/{}/issue") return RouteClass::kCouponIssue;
  return RouteClass::kCommands;
}

std::string RateKey(const HttpRequest& request, std::string_view pattern, const std::vector<std::string_view>& params) {
  if (!request.identity.empty()) return "sub:" + request.identity;
  auto user = [](std::string_view id) { return "user:" + std::string(id); };
  // A path that names its user: /points/{userId}... or /users/{userId}/...
  auto segments = SplitPath(pattern);
  std::size_t param = 0;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i] == "{}") ++param;
    if ((segments[i] == "points" || segments[i] == "users") && segments[i + 1] == "{}" && param < params.size()) {
      if (ParseIdSegment(params[param])) return user(params[param]);
      return {};
    }
  }
  if (auto id = QueryParam(request.query, "userId")) return ParseIdSegment(*id) ? user(*id) : std::string();
  if (request.body.empty()) return {};
  auto body = ParseObject(request.body);
  if (!body) return {};
  auto id = RequireId(*body, "userId");
  return id ? user(std::to_string(*id)) : std::string();
}

}  // namespace eventmart
