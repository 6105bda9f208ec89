#include "tools/mock_kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "eventstore/kafka/kafka_config.h"

namespace eventmart::cli {

Result<std::unique_ptr<MockKafka>> MockKafka::Start(int brokers) {
  std::unique_ptr<MockKafka> mock(new MockKafka());
  char why[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "4", why, sizeof why);  // not the notice that it has no brokers of its own
  // The cluster needs a client handle to run on; it is never used to produce.
  mock->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
  if (mock->handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Fail(KafkaErrc::kInvalidConfig, std::string("kafka handle: ") + why);
  }
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->handle_, brokers);
  if (mock->cluster_ == nullptr) return Fail(KafkaErrc::kClusterError, "cannot start the mock cluster");
  mock->brokers_ = brokers;
  return mock;
}

MockKafka::~MockKafka() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

std::string MockKafka::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

Result<void> MockKafka::CreateTopic(const std::string& name, int partitions) {
  auto err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, std::min(brokers_, 3));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Fail(KafkaErrc::kClusterError, "topic " + name + ": " + rd_kafka_err2str(err));
  }
  return {};
}

void MockKafka::SetBrokersUp(bool up) {
  for (int id = 1; id <= brokers_; ++id) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster_, id);
    } else {
      rd_kafka_mock_broker_set_down(cluster_, id);
    }
  }
}

}  // namespace eventmart::cli
