// tools/mock_kafka.h
// librdkafka's built-in mock cluster: brokers on loopback ports that real
// clients (ours, kcat) talk to over TCP. For development, tests and
// benchmarks only: librdkafka marks the API experimental, it keeps at most
// ~5 MiB or 100,000 message sets per partition (dropping the oldest), and
// it forgets everything when the process exits.
#pragma once

#include <memory>
#include <string>

#include "domain/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace eventmart::cli {

class MockKafka {
 public:
  [[nodiscard]] static Result<std::unique_ptr<MockKafka>> Start(int brokers);
  ~MockKafka();
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  std::string bootstrap() const;  // "127.0.0.1:PORT,..."
  [[nodiscard]] Result<void> CreateTopic(const std::string& name, int partitions);
  // Takes every broker down (connections refused) or brings them back.
  void SetBrokersUp(bool up);
  int brokers() const { return brokers_; }

 private:
  MockKafka() = default;
  ::rd_kafka_s* handle_ = nullptr;
  ::rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 0;
};

}  // namespace eventmart::cli
