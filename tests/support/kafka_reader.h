// tests/support/kafka_reader.h
// Reads topics back over the wire, as any consumer of our feed would: every
// partition from the beginning, with its own client (no consumer group).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace eventmart::testing {

struct KafkaRecord {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
};

// Reads `topics` until `enough(records so far)` is true and no message came
// for a moment, or until `timeout`. Returns what it read, in arrival order
// (which is offset order within each partition).
std::vector<KafkaRecord> ReadTopics(const std::string& brokers, const std::vector<std::string>& topics,
                                    const std::function<bool(const std::vector<KafkaRecord>&)>& enough,
                                    std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace eventmart::testing
