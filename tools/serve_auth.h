// tools/serve_auth.h
// `serve --auth jwt|none` and its flags, turned into the authenticator the
// routes use, plus the SIGHUP handler that re-reads the JWKS.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "api/jwt_auth.h"
#include "tools/verbs.h"

namespace eventmart::cli {

// Checks the flags and reads the key files: nullptr for --auth none; for a
// bad combination of flags, or key files that cannot be used, prints one
// line on stderr and sets *exit_code (kExitUsage or kExitFailure).
// `verb` names the verb in messages.
std::unique_ptr<JwtAuthenticator> MakeAuthenticator(const AuthCliOptions& options, const char* verb, int* exit_code);

// Blocks SIGHUP in the calling thread and every thread it starts later.
// Call before any thread starts, as BlockStopSignals().
void BlockReloadSignal();

// Logs a warning when shoppers are not authenticated on a non-loopback address.
void WarnIfOpen(const AuthCliOptions& options, const std::string& host);

// A thread that waits for SIGHUP (blocked by BlockReloadSignal) and
// reloads the keys, logging the outcome; a failed reload keeps the old keys.
class KeyReloader {
 public:
  explicit KeyReloader(JwtAuthenticator& auth);
  ~KeyReloader();  // stops the thread

 private:
  JwtAuthenticator& auth_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace eventmart::cli
