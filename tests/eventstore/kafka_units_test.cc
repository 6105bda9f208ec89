// The pure parts of the Kafka path: the feed's JSON back into events, the
// relay's ack bookkeeping, the query node's reorder buffer, the data-platform
// message, and the property flags.
#include <catch2/catch.hpp>
#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>

#include "eventstore/codec.h"
#include "eventstore/event_json.h"
#include "eventstore/kafka/ack_tracker.h"
#include "eventstore/kafka/data_platform.h"
#include "eventstore/kafka/feed_replica.h"
#include "eventstore/kafka/kafka_config.h"
#include "eventstore/kafka/relay.h"
#include "eventstore/kafka/reorder_buffer.h"
#include "eventstore/store_errors.h"

#include "tests/support/event_filler.h"

using namespace eventmart;
using eventmart::testing::Filler;

namespace {


RecordedEventView ViewOf(const RecordedEvent& e) {
  return {.stream = e.stream, .version = e.version, .position = e.position, .id = e.record.id,
          .type = e.record.type, .schema_version = e.record.schema_version,
          .occurred_at_ms = e.record.occurred_at_ms, .correlation_id = e.record.correlation_id,
          .causation_id = e.record.causation_id, .body = e.record.body};
}

template <std::size_t I = 0>
void CheckEveryTypeRoundTrips() {
  if constexpr (I < std::variant_size_v<DomainEvent>) {
    using E = std::variant_alternative_t<I, DomainEvent>;
    E event;
    Filler{}.Fill(event);
    RecordedEvent original{.stream = StreamOf(event), .version = 3, .position = 1000 + I,
                           .record = EncodeEvent(event, {.id = NewEventId(1'780'000'000'123),
                                                         .occurred_at_ms = 1'780'000'000'123,
                                                         .correlation_id = I % 2 ? "req-1" : "",
                                                         .causation_id = "Cmd"})};
    std::string line;
    AppendEventJson(ViewOf(original), DomainEvent(event), &line);
    INFO(line);
    auto parsed = ParseEventJson(line);
    REQUIRE(parsed);
    CHECK(parsed->stream == original.stream);
    CHECK(parsed->version == 3);
    CHECK(parsed->position == original.position);
    CHECK(parsed->record.id == original.record.id);
    CHECK(parsed->record.type == E::kType);
    CHECK(parsed->record.occurred_at_ms == original.record.occurred_at_ms);
    CHECK(parsed->record.correlation_id == original.record.correlation_id);
    CHECK(parsed->record.causation_id == "Cmd");
    CHECK(parsed->record.body == original.record.body);  // the same bytes: every field came back
    CheckEveryTypeRoundTrips<I + 1>();
  }
}

}  // namespace

TEST_CASE("Every event type survives the feed's JSON and back", "[eventstore][json]") {
  CheckEveryTypeRoundTrips();
}

TEST_CASE("Lines that are not events are refused with a reason", "[eventstore][json]") {
  RecordedEvent e{.stream = "account-1", .version = 1, .position = 5,
                  .record = EncodeEvent(PointsCharged{.user_id = 1, .amount = 10, .balance_after = 10},
                                        {.id = NewEventId(1), .occurred_at_ms = 1})};
  std::string good;
  AppendEventJson(ViewOf(e), PointsCharged{.user_id = 1, .amount = 10, .balance_after = 10}, &good);
  REQUIRE(ParseEventJson(good));
  auto variant = [&good](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  for (const std::string& bad :
       {std::string(""), std::string("{"), std::string("[]"), std::string("null"), good.substr(0, good.size() - 1),
        variant("\"position\":5", "\"position\":-5"), variant("\"position\":5", "\"position\":\"5\""),
        variant("\"version\":1", "\"version\":0"), variant("account.PointsCharged", "account.PointsStolen"),
        variant("\"amount\":10", "\"amount\":1e3"), variant("\"amount\":10", "\"amount\":99999999999999999999"),
        variant("\"userId\":1,", ""), variant("\"eventId\":\"", "\"eventId\":\"x"),
        variant("\"occurredAt\":\"", "\"occurredAt\":\"yesterday")}) {
    INFO(bad);
    auto parsed = ParseEventJson(bad);
    REQUIRE_FALSE(parsed);
    CHECK(!parsed.error().detail.empty());
  }
  CHECK(ParseEventJson(variant("\"amount\":10", "\"amount\":1e3")).error().detail.find("amount") != std::string::npos);
}

TEST_CASE("The relay's checkpoint moves only past fully acknowledged positions", "[kafka][relay]") {
  AckTracker t(10);
  t.Sent(11, 1, 111);
  t.Sent(12, 2, 112);  // an OrderPaid: the event and the data-platform message
  t.Sent(13, 1, 113);
  CHECK(t.in_flight() == 4);
  CHECK(t.TimeOf(12) == 112);
  CHECK(t.Acked(13));  // another partition answered first
  CHECK(t.acked() == 10);
  CHECK(t.Acked(12));
  CHECK(t.acked() == 10);
  CHECK(t.Acked(11));
  CHECK(t.acked() == 11);  // 12 still has a message out
  CHECK(t.Acked(12));
  CHECK(t.acked() == 13);
  CHECK(t.in_flight() == 0);
  CHECK_FALSE(t.Acked(12));  // a report from long ago changes nothing
  t.Sent(14, 1);
  t.Reset(13);  // a restart: what was in flight will be sent again
  CHECK_FALSE(t.Acked(14));
  CHECK(t.sent() == 13);
}

TEST_CASE("The reorder buffer releases the log in order, once", "[kafka][feed]") {
  ReorderBuffer buffer(2);
  auto entry = [](GlobalPosition p) { return FeedEntry{.event = {.stream = "s", .position = p}, .offset = 0}; };
  CHECK_FALSE(buffer.Add(entry(1)));  // already applied
  CHECK(buffer.Add(entry(5)));
  CHECK(buffer.Add(entry(4)));
  CHECK(buffer.TakeRun(100).empty());  // 3 is missing
  CHECK(buffer.Add(entry(3)));
  CHECK_FALSE(buffer.Add(entry(4)));  // a duplicate while waiting
  auto run = buffer.TakeRun(2);
  REQUIRE(run.size() == 2);
  CHECK(run[0].event.position == 3);
  CHECK(run[1].event.position == 4);
  CHECK(buffer.TakeRun(100).size() == 1);
  CHECK(buffer.released() == 5);
  CHECK(buffer.size() == 0);
  CHECK_FALSE(buffer.Add(entry(5)));  // a duplicate after release
}

TEST_CASE("The data platform gets the whole paid order", "[kafka][data-platform]") {
  OrderPaid paid{.order_id = 77, .user_id = 5, .payment_id = 9,
                 .lines = {{.product_id = 1, .option_id = 2, .quantity = 3, .unit_price = 100, .amount = 300},
                           {.product_id = 4, .option_id = 5, .quantity = 1, .unit_price = 50, .amount = 50}},
                 .coupon_id = 6, .total_amount = 350, .discount_amount = 35, .pay_amount = 315,
                 .created_at_ms = 1'780'000'000'000, .paid_at_ms = 1'780'000'060'000};
  RecordedEvent e{.stream = "order-77", .version = 2, .position = 42,
                  .record = EncodeEvent(paid, {.id = NewEventId(1), .occurred_at_ms = 1})};
  std::string out;
  AppendDataPlatformJson(ViewOf(e), paid, &out);
  auto j = nlohmann::json::parse(out);
  CHECK(j["eventId"] == FormatEventId(e.record.id));
  CHECK(j["position"] == 42);
  CHECK(j["orderId"] == 77);
  CHECK(j["paymentId"] == 9);
  CHECK(j["userId"] == 5);
  CHECK(j["status"] == "PAID");
  REQUIRE(j["items"].size() == 2);
  CHECK(j["items"][0] == nlohmann::json{{"productId", 1}, {"optionId", 2}, {"quantity", 3}, {"unitPrice", 100}, {"amount", 300}});
  CHECK(j["totalAmount"] == 350);
  CHECK(j["discountAmount"] == 35);
  CHECK(j["payAmount"] == 315);
  CHECK(j["couponId"] == 6);
  CHECK(j["paidAt"] == "2026-05-28T20:27:40.000Z");
  paid.coupon_id = 0;
  out.clear();
  AppendDataPlatformJson(ViewOf(e), paid, &out);
  CHECK_FALSE(nlohmann::json::parse(out).contains("couponId"));
  CHECK_FALSE(nlohmann::json::parse(out).contains("couponProductIds"));  // the coupon covered every line
}

TEST_CASE("The data platform learns which products a product-bound coupon discounted", "[kafka][data-platform]") {
  OrderPaid paid{.order_id = 78, .user_id = 5, .payment_id = 10,
                 .lines = {{.product_id = 1, .option_id = 2, .quantity = 1, .unit_price = 100, .amount = 100},
                           {.product_id = 4, .option_id = 5, .quantity = 1, .unit_price = 50, .amount = 50}},
                 .coupon_id = 6, .total_amount = 150, .discount_amount = 5, .pay_amount = 145,
                 .created_at_ms = 1'780'000'000'000, .paid_at_ms = 1'780'000'060'000,
                 .coupon_product_ids = {ProductId{4}, ProductId{9}}};
  RecordedEvent e{.stream = "order-78", .version = 2, .position = 43,
                  .record = EncodeEvent(paid, {.id = NewEventId(1), .occurred_at_ms = 1})};
  std::string out;
  AppendDataPlatformJson(ViewOf(e), paid, &out);
  auto j = nlohmann::json::parse(out);
  CHECK(j["couponId"] == 6);
  CHECK(j["couponProductIds"] == nlohmann::json::array({4, 9}));
  CHECK(j["discountAmount"] == 5);
}

TEST_CASE("Kafka properties are key=value", "[kafka][config]") {
  auto p = ParseKafkaProperty("sasl.password=a=b");
  REQUIRE(p);
  CHECK(p->first == "sasl.password");
  CHECK(p->second == "a=b");
  CHECK_FALSE(ParseKafkaProperty("acks"));
  CHECK_FALSE(ParseKafkaProperty("=1"));
  CHECK(ParseKafkaProperty("acks").error().code == KafkaErrc::kInvalidConfig);
  auto conf = MakeKafkaConf({.brokers = "127.0.0.1:1", .properties = {{"no.such.property", "1"}}}, {});
  REQUIRE_FALSE(conf);
  CHECK(conf.error().detail.find("no.such.property") != std::string::npos);
  CHECK(conf.error().code == KafkaErrc::kInvalidConfig);
  CHECK(conf.error().code.category().name() == std::string("eventmart.kafka"));
  CHECK(MakeKafkaConf({.brokers = "127.0.0.1:1", .properties = {{"compression.type", "zstd"}}}, {}));
}

TEST_CASE("Relay and feed states keep the names the admin routes print", "[kafka]") {
  CHECK(Name(RelayState::kStopped) == "stopped");
  CHECK(Name(RelayState::kRunning) == "running");
  CHECK(Name(RelayState::kBackingOff) == "backing off");
  CHECK(Name(RelayState::kFailed) == "failed");
  CHECK(Name(FeedState::kStopped) == "stopped");
  CHECK(Name(FeedState::kRunning) == "running");
  CHECK(Name(FeedState::kFailed) == "failed");
}
