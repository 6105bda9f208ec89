// api/jwt_auth.h
// Bearer tokens of shoppers (`serve --auth jwt`): JSON Web Tokens checked
// with OpenSSL's EVP interface (signatures, HMAC, keys from a JWKS), their
// claims with nlohmann json. No cryptography is written here: this file
// only chooses which OpenSSL call checks what.
//
// Which key checks a token follows from its header, and never crosses
// families: HS256 only against the --jwt-hs256-secret-file secret, RS256
// only against an RSA key and ES256 only against a P-256 key of the JWKS,
// chosen by `kid`. `alg: none`, any other algorithm, an unknown kid, or a
// key whose own `alg` differs is refused (no algorithm confusion).
//
// Claims: `exp` is required and, like `nbf`, checked with a 30 s leeway;
// `sub` is required; `iss` and `aud` are checked when configured; `roles`
// (an array of strings) containing "admin" makes the token an admin's.
//
// Verified tokens are cached by their signature, in a bounded cache that
// drops a token once it expires and is emptied whenever the keys are
// reloaded. A hit needs the exact signature of a token verified before (so
// its holder holds that token) and the same signed part (header and claims,
// compared by a fingerprint; a differing one is verified in full, and
// fails): a forged token cannot borrow a cached verification.
//
// Thread safety: Verify() and Issue() may be called from any thread, also
// while ReloadKeys() runs on another.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "domain/account.h"
#include "domain/result.h"

namespace eventmart {

enum class AuthErrc {
  kMissingToken = 1,  // no `Authorization: Bearer …` at all
  kInvalidToken,      // anything else wrong with it (detail: what)
  kBadConfig,         // a key file that cannot be read or used
};

const std::error_category& AuthCategory();
inline std::error_code make_error_code(AuthErrc e) { return {static_cast<int>(e), AuthCategory()}; }

struct JwtOptions {
  std::string jwks_file;          // RS256/ES256 public keys by kid ("" = none)
  std::string hs256_secret_file;  // HS256 secret ("" = none); trailing newlines dropped
  std::string issuer;             // required `iss` ("" = not checked)
  std::string audience;           // required in `aud` ("" = not checked)
  std::chrono::seconds leeway{30};
  std::size_t cache_entries = 100'000;  // verified tokens kept (0 = no cache); ~640 B each for RS256
  std::chrono::seconds issued_lifetime{24 * 3600};  // of tokens the server signs
};

// What a verified token says.
struct Principal {
  Subject subject;         // (`iss`, `sub`)
  bool admin = false;      // `roles` contains "admin"
  std::int64_t expires_at = 0;  // `exp`, seconds since the epoch
};

class KeySet;  // the JWKS's keys (jwt_auth.cc)

class JwtAuthenticator {
 public:
  // Reads the key files; kBadConfig (with the file and the cause) if one
  // cannot be read or used, or if neither is given.
  [[nodiscard]] static Result<std::unique_ptr<JwtAuthenticator>> Create(JwtOptions options);
  ~JwtAuthenticator();

  // Reads the JWKS file again (SIGHUP). On failure the keys in use stay.
  // Empties the cache either way: a token of a removed key is refused at once.
  [[nodiscard]] Result<std::size_t> ReloadKeys();

  // Checks an Authorization header value at time `now`.
  [[nodiscard]] Result<Principal> Verify(std::string_view authorization,
                                         std::chrono::system_clock::time_point now) const;

  // Signs an HS256 token for `subject` (the server's own, `--issue-tokens`);
  // kBadConfig without a secret.
  [[nodiscard]] Result<std::string> Issue(const Subject& subject, std::int64_t user_id,
                                          std::chrono::system_clock::time_point now) const;

  // The `iss` of tokens this server signs: --jwt-issuer, or "eventmart".
  std::string issued_issuer() const;
  // A fresh subject of this server's own (`--issue-tokens` sign-ups):
  // issued_issuer() and "user-" plus 128 random bits in hex.
  [[nodiscard]] Result<Subject> NewSubject() const;

 private:
  explicit JwtAuthenticator(JwtOptions options);
  Result<Principal> VerifyUncached(std::string_view token, std::int64_t now_s) const;
  Result<void> CheckClaims(const Principal& principal, std::int64_t nbf, std::int64_t now_s) const;

  // Heterogeneous lookup: a signature is looked up without copying it.
  struct SignatureHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Cached {
    Principal principal;
    std::size_t signed_part = 0;  // fingerprint of header.claims
  };
  struct CacheShard {
    std::mutex mu;
    std::unordered_map<std::string, Cached, SignatureHash, std::equal_to<>> tokens;  // by signature
  };
  static constexpr std::size_t kShards = 16;

  std::optional<Principal> CacheFind(std::string_view token, std::int64_t now_s) const;
  void CacheStore(std::string_view token, const Principal& principal) const;
  void CacheClear() const;

  JwtOptions options_;
  std::string hs256_secret_;
  mutable std::mutex keys_mu_;
  std::shared_ptr<const KeySet> keys_;  // swapped whole on reload
  mutable std::array<CacheShard, kShards> cache_;
};

// Base64url without padding (RFC 7515 §2), for tokens and JWKs.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::AuthErrc> : std::true_type {};
