// tests/support/serve_args.h
// The command line of `eventmart serve` on a free loopback port, as the CLI
// tests start it. EVENTMART_BIN is defined by each test target that runs
// the binary.
#pragma once

#include <string>
#include <vector>

namespace eventmart::testing {

inline std::vector<std::string> ServeArgs(const std::string& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {EVENTMART_BIN, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace eventmart::testing
