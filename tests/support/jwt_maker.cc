#include "tests/support/jwt_maker.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <stdexcept>

namespace eventmart::testing {
namespace {

EVP_PKEY* Pkey(const TestKey& key) { return static_cast<EVP_PKEY*>(key.pkey.get()); }

std::string BnParam(EVP_PKEY* pkey, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw std::runtime_error(std::string("no key param ") + name);
  std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

TestKey Generate(const std::string& kid, const char* alg, EVP_PKEY* pkey) {
  if (pkey == nullptr) throw std::runtime_error("key generation failed");
  return TestKey{kid, alg, std::shared_ptr<void>(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); })};
}

}  // namespace

TestKey MakeRsaKey(const std::string& kid) {
  return Generate(kid, "RS256", EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
}

TestKey MakeEcKey(const std::string& kid) {
  return Generate(kid, "ES256", EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

std::string B64Url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

nlohmann::json PublicJwk(const TestKey& key) {
  if (key.alg == "RS256") {
    return {{"kty", "RSA"}, {"kid", key.kid}, {"use", "sig"}, {"alg", "RS256"},
            {"n", B64Url(BnParam(Pkey(key), OSSL_PKEY_PARAM_RSA_N, 0))},
            {"e", B64Url(BnParam(Pkey(key), OSSL_PKEY_PARAM_RSA_E, 0))}};
  }
  return {{"kty", "EC"}, {"kid", key.kid}, {"use", "sig"}, {"alg", "ES256"}, {"crv", "P-256"},
          {"x", B64Url(BnParam(Pkey(key), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
          {"y", B64Url(BnParam(Pkey(key), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
}

std::string Jwks(std::initializer_list<const TestKey*> keys) {
  nlohmann::json set = {{"keys", nlohmann::json::array()}};
  for (const TestKey* k : keys) set["keys"].push_back(PublicJwk(*k));
  return set.dump();
}

std::string PublicPem(const TestKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, Pkey(key));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string SignWith(const TestKey& key, const nlohmann::json& header, const nlohmann::json& claims) {
  std::string input = B64Url(header.dump()) + "." + B64Url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, Pkey(key));
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("signing failed");
  }
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (key.alg == "ES256") {  // DER -> r||s
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + B64Url(sig);
}

std::string SignHs256(const std::string& secret, const nlohmann::json& header, const nlohmann::json& claims) {
  std::string input = B64Url(header.dump()) + "." + B64Url(claims.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + B64Url(std::string(reinterpret_cast<char*>(mac), len));
}

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace eventmart::testing
