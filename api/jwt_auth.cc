#include "api/jwt_auth.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& AuthCategory() {
  static const CodeCategory<AuthErrc> category("eventmart.auth", {
      {AuthErrc::kMissingToken, "no bearer token"},
      {AuthErrc::kInvalidToken, "invalid token"},
      {AuthErrc::kBadConfig, "unusable token configuration"}});
  return category;
}

namespace {

using Json = nlohmann::json;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

constexpr std::size_t kMaxToken = 8192;  // bytes of one token; more is not a token we issue or accept

std::unexpected<Error> Invalid(std::string why) { return Fail(AuthErrc::kInvalidToken, std::move(why)); }
std::unexpected<Error> BadConfig(std::string why) { return Fail(AuthErrc::kBadConfig, std::move(why)); }

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadConfig("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return BadConfig("cannot read " + path);
  return s.str();
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// A public key built from a JWK's numbers by OpenSSL (RFC 7518 §6).
Result<PkeyPtr> PublicKeyFromParams(const char* type, const std::function<bool(OSSL_PARAM_BLD*)>& push) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || !push(bld.get())) return BadConfig("cannot build key parameters");
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return BadConfig(std::string("OpenSSL refused the ") + type + " key");
  }
  return PkeyPtr(key, EVP_PKEY_free);
}

Result<std::string> JwkBytes(const Json& jwk, const char* member) {
  auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string()) return BadConfig(std::string("a key lacks '") + member + "'");
  auto bytes = Base64UrlDecode(it->get<std::string>());
  if (!bytes || bytes->empty()) return BadConfig(std::string("a key's '") + member + "' is not base64url");
  return *bytes;
}

struct Bignum {
  BIGNUM* bn;
  explicit Bignum(const std::string& bytes)
      : bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr)) {}
  ~Bignum() { BN_free(bn); }
};

Result<PkeyPtr> RsaKey(const Json& jwk) {
  auto n = JwkBytes(jwk, "n");
  if (!n) return Fail(n.error());
  auto e = JwkBytes(jwk, "e");
  if (!e) return Fail(e.error());
  Bignum bn_n(*n), bn_e(*e);
  auto key = PublicKeyFromParams("RSA", [&](OSSL_PARAM_BLD* bld) {
    return bn_n.bn && bn_e.bn && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.bn) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.bn) == 1;
  });
  if (key && EVP_PKEY_get_bits(key->get()) < 2048) return BadConfig("an RSA key is shorter than 2048 bits");
  return key;
}

Result<PkeyPtr> P256Key(const Json& jwk) {
  if (jwk.value("crv", "") != "P-256") return BadConfig("an EC key is not on curve P-256");
  auto x = JwkBytes(jwk, "x");
  if (!x) return Fail(x.error());
  auto y = JwkBytes(jwk, "y");
  if (!y) return Fail(y.error());
  if (x->size() != 32 || y->size() != 32) return BadConfig("a P-256 key's x and y must be 32 bytes");
  std::string point = "\x04" + *x + *y;  // an uncompressed point
  return PublicKeyFromParams("EC", [&](OSSL_PARAM_BLD* bld) {
    static char group[] = "prime256v1";
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

// JWS ES256 signatures are r||s (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return std::nullopt;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig, nullptr);
  std::string der(static_cast<std::size_t>(std::max(len, 0)), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (len <= 0 || i2d_ECDSA_SIG(sig, &p) != len) der.clear();
  ECDSA_SIG_free(sig);
  if (der.empty()) return std::nullopt;
  return der;
}

bool VerifySignature(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

// A NumericDate claim (RFC 7519 §2), if present: seconds, fractions dropped.
Result<std::optional<std::int64_t>> NumericDate(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<std::int64_t>();
  if (it->is_number_integer()) return std::optional<std::int64_t>(it->get<std::int64_t>());
  if (it->is_number_float() && std::isfinite(it->get<double>()) && std::fabs(it->get<double>()) < 9e15) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(std::floor(it->get<double>())));
  }
  return Invalid(std::string("'") + name + "' is not a NumericDate");
}

std::string StringClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

//------------------------------------------------------------------------------

struct VerifyingKey {
  std::string alg;  // "RS256" or "ES256": the only algorithm this key checks
  PkeyPtr key{nullptr, EVP_PKEY_free};
};

class KeySet {
 public:
  std::unordered_map<std::string, VerifyingKey> by_kid;
};

namespace {

// Reads a JWKS: every key needs a kid and must be RSA (RS256) or EC P-256
// (ES256); a key's own `alg`, when given, must agree. Keys of any other
// kind (symmetric "oct" keys included) make the file unusable rather than
// being skipped in silence.
Result<std::shared_ptr<const KeySet>> LoadJwks(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return Fail(text.error());
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return BadConfig(path + " is not a JSON Web Key Set ({\"keys\": [...]})");
  }
  auto set = std::make_shared<KeySet>();
  const Json& keys = doc["keys"];
  for (const Json& jwk : keys) {
    if (!jwk.is_object() || !jwk.contains("kid") || !jwk["kid"].is_string()) {
      return BadConfig(path + ": every key needs a string 'kid'");
    }
    std::string kid = jwk["kid"].get<std::string>();
    std::string kty = jwk.value("kty", "");
    VerifyingKey entry;
    Result<PkeyPtr> key = BadConfig("");
    if (kty == "RSA") {
      entry.alg = "RS256";
      key = RsaKey(jwk);
    } else if (kty == "EC") {
      entry.alg = "ES256";
      key = P256Key(jwk);
    } else {
      return BadConfig(path + ": key '" + kid + "' has kty '" + kty + "' (only RSA and EC P-256 keys are used)");
    }
    if (!key) return BadConfig(path + ": key '" + kid + "': " + key.error().detail);
    if (jwk.contains("alg") && jwk["alg"] != entry.alg) {
      return BadConfig(path + ": key '" + kid + "' says alg " + jwk["alg"].dump() + ", not " + entry.alg);
    }
    entry.key = std::move(*key);
    if (!set->by_kid.emplace(kid, std::move(entry)).second) return BadConfig(path + ": kid '" + kid + "' twice");
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

}  // namespace

JwtAuthenticator::JwtAuthenticator(JwtOptions options) : options_(std::move(options)) {}
JwtAuthenticator::~JwtAuthenticator() = default;

Result<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(JwtOptions options) {
  if (options.jwks_file.empty() && options.hs256_secret_file.empty()) {
    return BadConfig("--auth jwt needs --jwks FILE and/or --jwt-hs256-secret-file FILE");
  }
  std::unique_ptr<JwtAuthenticator> auth(new JwtAuthenticator(std::move(options)));
  if (!auth->options_.hs256_secret_file.empty()) {
    auto secret = ReadWholeFile(auth->options_.hs256_secret_file);
    if (!secret) return Fail(secret.error());
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
    // RFC 7518 §3.2: a key at least as long as the hash output.
    if (secret->size() < 32) return BadConfig(auth->options_.hs256_secret_file + ": an HS256 secret needs 32 bytes or more");
    auth->hs256_secret_ = std::move(*secret);
  }
  if (!auth->options_.jwks_file.empty()) {
    auto keys = LoadJwks(auth->options_.jwks_file);
    if (!keys) return Fail(keys.error());
    auth->keys_ = std::move(*keys);
  }
  return auth;
}

Result<std::size_t> JwtAuthenticator::ReloadKeys() {
  CacheClear();
  if (options_.jwks_file.empty()) return std::size_t{0};
  auto keys = LoadJwks(options_.jwks_file);
  if (!keys) return Fail(keys.error());
  std::size_t count = (*keys)->by_kid.size();
  {
    std::lock_guard lock(keys_mu_);
    keys_ = std::move(*keys);
  }
  CacheClear();  // again: a token verified with an old key meanwhile is not kept
  return count;
}

std::string JwtAuthenticator::issued_issuer() const {
  return options_.issuer.empty() ? std::string("eventmart") : options_.issuer;
}

Result<Subject> JwtAuthenticator::NewSubject() const {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return BadConfig("no random bytes from OpenSSL");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "user-";
  for (unsigned char b : bytes) id.append({kHex[b >> 4], kHex[b & 15]});
  return Subject{issued_issuer(), std::move(id)};
}

Result<Principal> JwtAuthenticator::Verify(std::string_view authorization,
                                           std::chrono::system_clock::time_point now) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.empty()) return Fail(AuthErrc::kMissingToken);
  if (authorization.size() < kScheme.size() ||
      strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0) {
    return Invalid("the Authorization header is not 'Bearer <token>'");
  }
  std::string_view token = authorization.substr(kScheme.size());
  if (token.size() > kMaxToken) return Invalid("the token is over " + std::to_string(kMaxToken) + " bytes");
  std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (options_.cache_entries > 0) {
    if (auto cached = CacheFind(token, now_s)) return *cached;
  }
  auto principal = VerifyUncached(token, now_s);
  if (principal && options_.cache_entries > 0) CacheStore(token, *principal);
  return principal;
}

Result<Principal> JwtAuthenticator::VerifyUncached(std::string_view token, std::int64_t now_s) const {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Invalid("a token is three base64url parts joined by '.'");
  }
  auto header_bytes = Base64UrlDecode(token.substr(0, dot1));
  auto payload_bytes = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header_bytes || !payload_bytes || !signature) return Invalid("a part of the token is not base64url");
  if (signature->empty()) return Invalid("the token is not signed");
  Json header = Json::parse(*header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Invalid("the token's header is not a JSON object");
  std::string alg = StringClaim(header, "alg");
  std::string_view signed_part = token.substr(0, dot2);

  // The header names the algorithm; the key is ours to choose, of that
  // algorithm's family only.
  if (alg == "HS256") {
    if (hs256_secret_.empty()) return Invalid("HS256 tokens are not accepted here");
    std::string expected = HmacSha256(hs256_secret_, signed_part);
    if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
      return Invalid("bad signature");
    }
  } else if (alg == "RS256" || alg == "ES256") {
    std::shared_ptr<const KeySet> keys;
    {
      std::lock_guard lock(keys_mu_);
      keys = keys_;
    }
    std::string kid = StringClaim(header, "kid");
    auto it = keys ? keys->by_kid.find(kid) : decltype(keys->by_kid.end()){};
    if (!keys || it == keys->by_kid.end()) return Invalid("unknown key id '" + kid.substr(0, 64) + "'");
    if (it->second.alg != alg) return Invalid("key '" + kid.substr(0, 64) + "' is not an " + alg + " key");
    std::optional<std::string> der = alg == "ES256" ? EcdsaRawToDer(*signature) : std::optional(*signature);
    if (!der || !VerifySignature(it->second.key.get(), signed_part, *der)) return Invalid("bad signature");
  } else {
    return Invalid("algorithm '" + alg.substr(0, 16) + "' is not accepted");
  }

  Json claims = Json::parse(*payload_bytes, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return Invalid("the token's claims are not a JSON object");
  auto exp = NumericDate(claims, "exp");
  if (!exp) return Fail(exp.error());
  if (!*exp) return Invalid("the token has no 'exp'");
  auto nbf = NumericDate(claims, "nbf");
  if (!nbf) return Fail(nbf.error());
  Principal principal{.subject = {StringClaim(claims, "iss"), StringClaim(claims, "sub")}, .admin = false,
                      .expires_at = **exp};
  if (principal.subject.subject.empty()) return Invalid("the token has no 'sub'");
  if (!options_.audience.empty()) {
    auto aud = claims.find("aud");
    bool ok = aud != claims.end() && ((aud->is_string() && *aud == options_.audience) ||
                                      (aud->is_array() && std::find(aud->begin(), aud->end(), options_.audience) != aud->end()));
    if (!ok) return Invalid("the token is not for audience '" + options_.audience + "'");
  }
  if (auto roles = claims.find("roles"); roles != claims.end()) {
    if (!roles->is_array()) return Invalid("'roles' is not an array");
    principal.admin = std::find(roles->begin(), roles->end(), "admin") != roles->end();
  }
  if (auto checked = CheckClaims(principal, nbf->value_or(0), now_s); !checked) return Fail(checked.error());
  return principal;
}

Result<void> JwtAuthenticator::CheckClaims(const Principal& principal, std::int64_t nbf, std::int64_t now_s) const {
  std::int64_t leeway = options_.leeway.count();
  if (now_s > principal.expires_at + leeway) return Invalid("the token has expired");
  if (nbf != 0 && now_s + leeway < nbf) return Invalid("the token is not valid yet");
  if (!options_.issuer.empty() && principal.subject.issuer != options_.issuer) {
    return Invalid("the token is not from issuer '" + options_.issuer + "'");
  }
  return {};
}

Result<std::string> JwtAuthenticator::Issue(const Subject& subject, std::int64_t user_id,
                                            std::chrono::system_clock::time_point now) const {
  if (hs256_secret_.empty()) return BadConfig("issuing tokens needs --jwt-hs256-secret-file");
  std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Json claims = {{"iss", subject.issuer}, {"sub", subject.subject}, {"iat", now_s},
                 {"exp", now_s + options_.issued_lifetime.count()}, {"userId", user_id}};
  if (!options_.audience.empty()) claims["aud"] = options_.audience;
  std::string signed_part = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(claims.dump());
  return signed_part + "." + Base64UrlEncode(HmacSha256(hs256_secret_, signed_part));
}

//------------------------------------------------------------------------------

namespace {

// A token's signature and signed part (only called on tokens that have
// been or are about to be verified, or that come with two dots; anything
// else has an empty signature and is never found).
std::pair<std::string_view, std::string_view> SplitSignature(std::string_view token) {
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos) return {};
  return {token.substr(dot + 1), token.substr(0, dot)};
}

}  // namespace

std::optional<Principal> JwtAuthenticator::CacheFind(std::string_view token, std::int64_t now_s) const {
  auto [signature, signed_part] = SplitSignature(token);
  if (signature.empty()) return std::nullopt;
  std::size_t hash = SignatureHash{}(signature);
  CacheShard& shard = cache_[hash % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.tokens.find(signature);
  if (it == shard.tokens.end() || it->second.signed_part != std::hash<std::string_view>{}(signed_part)) {
    return std::nullopt;
  }
  if (now_s > it->second.principal.expires_at + options_.leeway.count()) {
    shard.tokens.erase(it);  // expired: verified again, and refused
    return std::nullopt;
  }
  return it->second.principal;
}

void JwtAuthenticator::CacheStore(std::string_view token, const Principal& principal) const {
  auto [signature, signed_part] = SplitSignature(token);
  CacheShard& shard = cache_[SignatureHash{}(signature) % kShards];
  std::size_t limit = std::max<std::size_t>(1, options_.cache_entries / kShards);
  Cached entry{principal, std::hash<std::string_view>{}(signed_part)};
  std::lock_guard lock(shard.mu);
  if (shard.tokens.size() >= limit) shard.tokens.erase(shard.tokens.begin());  // any one: the bound matters, not which
  shard.tokens.insert_or_assign(std::string(signature), std::move(entry));
}

void JwtAuthenticator::CacheClear() const {
  for (auto& shard : cache_) {
    std::lock_guard lock(shard.mu);
    shard.tokens.clear();
  }
}

//------------------------------------------------------------------------------

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string padded(text);
  for (char& c : padded) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!std::isalnum(static_cast<unsigned char>(c))) {
      return std::nullopt;  // '+', '/', '=' and anything else are not base64url
    }
  }
  std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(3 * padded.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace eventmart
