// tests/support/cli_helpers.h
// Small steps that CLI tests repeat: run a verb that must succeed, read
// what it printed line by line.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace eventmart::testing {

// The lines of `text`, without their line ends.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of `text`, each parsed as JSON (as `replay` prints events).
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const auto& line : Lines(text)) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Runs a command that must succeed (exit code 0); what it printed.
inline RunResult RunOk(const std::vector<std::string>& argv) {
  auto run = Run(argv);
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  return run;
}

}  // namespace eventmart::testing
