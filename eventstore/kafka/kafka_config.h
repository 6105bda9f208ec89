// eventstore/kafka/kafka_config.h
// What every Kafka client of ours is told: the brokers, the topic names, and
// librdkafka properties given by the operator (`--kafka-property k=v`:
// acks, compression.type, security.protocol, sasl.*, ssl.*, ...). Operator
// properties are applied last, so they override our defaults.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "domain/result.h"

namespace RdKafka {
class Conf;
}

namespace eventmart {

// Errors of talking to Kafka, apart from the log's own (StoreErrc).
enum class KafkaErrc {
  kInvalidConfig = 1,  // a property (or a mix of them) librdkafka refuses: fix the command line
  kClusterError,       // the (mock) cluster refused a request or could not start
};

const std::error_category& KafkaCategory();
inline std::error_code make_error_code(KafkaErrc e) { return {static_cast<int>(e), KafkaCategory()}; }

struct KafkaOptions {
  std::string brokers;  // bootstrap.servers: HOST:PORT[,HOST:PORT...]
  std::vector<std::pair<std::string, std::string>> properties;
  std::string topic_prefix = "eventmart.";           // + category: eventmart.order
  std::string data_platform_topic = "data-platform.orders";
};

// "key=value" -> (key, value). KafkaErrc::kInvalidConfig when there is no '=' or the
// key is empty.
[[nodiscard]] Result<std::pair<std::string, std::string>> ParseKafkaProperty(std::string_view text);

// The categories whose topics carry the event feed, and the topic of each.
const std::vector<std::string>& FeedCategories();
std::string FeedTopic(const KafkaOptions& options, std::string_view category);

// A librdkafka configuration: `defaults`, then bootstrap.servers, then the
// operator's properties. KafkaErrc::kInvalidConfig names a property
// librdkafka refuses.
[[nodiscard]] Result<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const KafkaOptions& options, const std::vector<std::pair<std::string, std::string>>& defaults);

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::KafkaErrc> : std::true_type {};
