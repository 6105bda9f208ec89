#include "tools/serve_auth.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "tools/cli_util.h"

namespace eventmart::cli {

std::unique_ptr<JwtAuthenticator> MakeAuthenticator(const AuthCliOptions& options, const char* verb, int* exit_code) {
  auto usage = [exit_code, verb](const char* message) {
    std::fprintf(stderr, "eventmart %s: %s\n", verb, message);
    *exit_code = kExitUsage;
    return nullptr;
  };
  bool jwt_flags = !options.jwks_file.empty() || !options.jwt_hs256_secret_file.empty() ||
                   !options.jwt_issuer.empty() || !options.jwt_audience.empty() || options.issue_tokens;
  if (options.auth == "none") {
    if (jwt_flags) return usage("--jwks, --jwt-* and --issue-tokens need --auth jwt");
    return nullptr;
  }
  if (options.jwks_file.empty() && options.jwt_hs256_secret_file.empty()) {
    return usage("--auth jwt needs --jwks FILE and/or --jwt-hs256-secret-file FILE");
  }
  if (options.issue_tokens && options.jwt_hs256_secret_file.empty()) {
    return usage("--issue-tokens needs --jwt-hs256-secret-file FILE (the server signs HS256 tokens with it)");
  }
  auto auth = JwtAuthenticator::Create({.jwks_file = options.jwks_file,
                                        .hs256_secret_file = options.jwt_hs256_secret_file,
                                        .issuer = options.jwt_issuer,
                                        .audience = options.jwt_audience,
                                        .cache_entries = options.jwt_cache_entries});
  if (!auth) {
    std::fprintf(stderr, "eventmart %s: %s\n", verb, auth.error().Describe().c_str());
    *exit_code = kExitFailure;
    return nullptr;
  }
  return std::move(*auth);
}

void BlockReloadSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WarnIfOpen(const AuthCliOptions& options, const std::string& host) {
  bool loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
  if (options.auth == "none" && !loopback) {
    spdlog::warn("--auth none on {}: anyone who reaches this address can act for any user "
                 "(start with --auth jwt to authenticate shoppers)", host);
  }
}

KeyReloader::KeyReloader(JwtAuthenticator& auth) : auth_(auth) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-reload");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    for (;;) {
      int signal = 0;
      if (sigwait(&set, &signal) != 0) continue;
      if (stopping_) return;
      auto reloaded = auth_.ReloadKeys();
      if (reloaded) {
        spdlog::info("SIGHUP: {} JWKS keys loaded; cached tokens dropped", *reloaded);
      } else {
        spdlog::error("SIGHUP: keys not reloaded, the old ones stay in use: {}", reloaded.error().Describe());
      }
    }
  });
}

KeyReloader::~KeyReloader() {
  stopping_ = true;
  pthread_kill(thread_.native_handle(), SIGHUP);  // sigwait takes it: the thread sees stopping_
  thread_.join();
}

}  // namespace eventmart::cli
