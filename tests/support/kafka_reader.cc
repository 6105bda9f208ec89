#include "tests/support/kafka_reader.h"

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <set>
#include <stdexcept>

namespace eventmart::testing {
namespace {

std::vector<RdKafka::TopicPartition*> AllPartitions(RdKafka::KafkaConsumer& consumer,
                                                    const std::set<std::string>& topics) {
  std::vector<RdKafka::TopicPartition*> list;
  RdKafka::Metadata* raw = nullptr;
  if (consumer.metadata(true, nullptr, &raw, 5000) != RdKafka::ERR_NO_ERROR) return list;
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto* topic : *metadata->topics()) {
    if (!topics.contains(topic->topic())) continue;
    for (const auto* p : *topic->partitions()) {
      list.push_back(RdKafka::TopicPartition::create(topic->topic(), p->id(), RdKafka::Topic::OFFSET_BEGINNING));
    }
  }
  return list;
}

}  // namespace

std::vector<KafkaRecord> ReadTopics(const std::string& brokers, const std::vector<std::string>& topics,
                                    const std::function<bool(const std::vector<KafkaRecord>&)>& enough,
                                    std::chrono::seconds timeout) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string why;
  conf->set("bootstrap.servers", brokers, why);
  conf->set("group.id", "eventmart-test-reader", why);
  conf->set("enable.auto.commit", "false", why);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), why));
  if (!consumer) throw std::runtime_error("test consumer: " + why);
  auto partitions = AllPartitions(*consumer, std::set<std::string>(topics.begin(), topics.end()));
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  std::vector<KafkaRecord> records;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int idle = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      idle = 0;
      records.push_back({m->topic_name(), m->partition(), m->offset(), m->key() ? *m->key() : std::string(),
                         std::string(static_cast<const char*>(m->payload()), m->len())});
      continue;
    }
    // Quiet for half a second: everything sent so far has been read.
    if (++idle >= 5 && enough(records)) break;
  }
  consumer->close();
  return records;
}

}  // namespace eventmart::testing
