// bench_tokens: the identity provider of tools/bench_auth.sh. Makes an
// RSA-2048 key and an HS256 secret, writes DIR/jwks.json (the public key,
// kid "bench-rsa") and DIR/hs256.secret, and N tokens per algorithm:
// DIR/tokens-rs256.txt and DIR/tokens-hs256.txt, line i (from 1) the token
// of subject "bench-i". Signing goes through OpenSSL (EVP_DigestSign, HMAC),
// on every core. Not part of the service.
//   bench_tokens DIR N [issuer] [audience]
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string B64Url(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string B64Url(const std::string& s) { return B64Url(reinterpret_cast<const unsigned char*>(s.data()), s.size()); }

std::string BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string Claims(int i, long long now, const std::string& iss, const std::string& aud) {
  std::string claims = R"({"iss":")" + iss + R"(","sub":"bench-)" + std::to_string(i) + R"(","exp":)" +
                       std::to_string(now + 3 * 3600);
  if (!aud.empty()) claims += R"(,"aud":")" + aud + '"';
  return claims + "}";
}

std::string SignRs256(EVP_PKEY* key, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 512;
  std::string sig(len, '\0');
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    std::fprintf(stderr, "bench_tokens: signing failed\n");
    std::exit(1);
  }
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return input + "." + B64Url(sig);
}

std::string SignHs256(const std::string& secret, const std::string& input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  return input + "." + B64Url(mac, len);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_tokens DIR N [issuer] [audience]\n");
    return 2;
  }
  std::string dir = argv[1];
  int n = std::atoi(argv[2]);
  std::string iss = argc > 3 ? argv[3] : "bench-idp";
  std::string aud = argc > 4 ? argv[4] : "";
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  unsigned char raw[32];
  if (key == nullptr || RAND_bytes(raw, sizeof raw) != 1) return 1;
  std::string secret = B64Url(raw, sizeof raw) + "-bench";
  std::ofstream(dir + "/hs256.secret") << secret << "\n";
  std::ofstream(dir + "/jwks.json") << R"({"keys":[{"kty":"RSA","kid":"bench-rsa","alg":"RS256","use":"sig","n":")"
                                    << B64Url(BnParam(key, OSSL_PKEY_PARAM_RSA_N)) << R"(","e":")"
                                    << B64Url(BnParam(key, OSSL_PKEY_PARAM_RSA_E)) << "\"}]}\n";
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  std::string rs_header = B64Url(R"({"alg":"RS256","typ":"JWT","kid":"bench-rsa"})");
  std::string hs_header = B64Url(R"({"alg":"HS256","typ":"JWT"})");
  std::vector<std::string> rs(static_cast<std::size_t>(n)), hs(static_cast<std::size_t>(n));
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = static_cast<int>(w); i < n; i += static_cast<int>(workers)) {
        std::string claims = B64Url(Claims(i + 1, now, iss, aud));
        rs[static_cast<std::size_t>(i)] = SignRs256(key, rs_header + "." + claims);
        hs[static_cast<std::size_t>(i)] = SignHs256(secret, hs_header + "." + claims);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::ofstream rs_out(dir + "/tokens-rs256.txt"), hs_out(dir + "/tokens-hs256.txt");
  for (int i = 0; i < n; ++i) {
    rs_out << rs[static_cast<std::size_t>(i)] << "\n";
    hs_out << hs[static_cast<std::size_t>(i)] << "\n";
  }
  EVP_PKEY_free(key);
  std::printf("%d tokens each in %s\n", n, dir.c_str());
  return 0;
}
