// tests/support/jwt_maker.h
// Keys and tokens for tests, made with OpenSSL the way an identity provider
// would: RSA-2048 and P-256 key pairs, their public halves as a JWKS, and
// RS256 / ES256 / HS256 tokens (ES256 as raw r||s, RFC 7518 §3.4). Written
// apart from the server's api/jwt_auth.cc, so that a test does not check
// the server's code with itself.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace eventmart::testing {

struct TestKey {
  std::string kid;
  std::string alg;  // "RS256" or "ES256"
  std::shared_ptr<void> pkey;  // EVP_PKEY, kept opaque here
};

TestKey MakeRsaKey(const std::string& kid);
TestKey MakeEcKey(const std::string& kid);

// The public JWK of `key` ({"kty","kid","use","alg", n/e or crv/x/y}).
nlohmann::json PublicJwk(const TestKey& key);
// A JWKS file's text with the public halves of `keys`.
std::string Jwks(std::initializer_list<const TestKey*> keys);
// The RSA public key as PEM (what an attacker would use as an HS256 secret).
std::string PublicPem(const TestKey& key);

std::string B64Url(const std::string& bytes);

// header.claims, signed with `key` by the header's algorithm (the header
// is used as given: tests forge headers on purpose).
std::string SignWith(const TestKey& key, const nlohmann::json& header, const nlohmann::json& claims);
std::string SignHs256(const std::string& secret, const nlohmann::json& header, const nlohmann::json& claims);

// Seconds since the epoch, now.
std::int64_t NowSeconds();

}  // namespace eventmart::testing
