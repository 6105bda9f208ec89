// Kafka: the relay's progress on the main service, the feed's on a query node.
// The one route file that sees Kafka's types (through api/kafka_status.h).
#include "api/app.h"
#include "api/json_io.h"
#include "api/kafka_status.h"

namespace eventmart {
namespace {

Json RelayJson(const RelayStatus& s, const AckLagPercentiles& lag) {
  return {{"state", Name(s.state)},
          {"position", s.position},
          {"published", s.published},
          {"head", s.head},
          {"lag", s.head - std::min(s.head, s.position)},
          {"inFlight", s.in_flight},
          {"eventsDelivered", s.events_delivered},
          {"dataPlatformDelivered", s.data_platform_delivered},
          {"deliveryErrors", s.delivery_errors},
          {"restarts", s.restarts},
          {"lastError", s.last_error},
          {"ackLagP50Ms", lag.p50 * 1000.0},
          {"ackLagP99Ms", lag.p99 * 1000.0}};
}

Json FeedJson(const FeedStatus& s) {
  return {{"state", Name(s.state)},   {"position", s.position},     {"buffered", s.buffered},
          {"received", s.received},   {"duplicates", s.duplicates}, {"rejected", s.rejected},
          {"partitions", s.partitions}, {"pauses", s.pauses}, {"peakBuffered", s.peak_buffered},        {"kafkaLag", s.kafka_lag},
          {"caughtUp", s.caught_up},
          {"lastError", s.last_error}};
}

}  // namespace

void AddKafkaRoutes(Router& router, App& app) {
  router.Add("GET", "/api/v1/admin/relay", [&app](const HttpRequest& req, const PathParams&, Respond respond, Post) {
    if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
    if (app.relay == nullptr) {
      return respond(JsonResponse(200, {{"state", "disabled"}, {"head", app.log.LastPosition()}}));
    }
    respond(JsonResponse(200, RelayJson(app.relay->Status(), app.relay->RecentAckLag())));
  });
  router.Add("GET", "/api/v1/admin/feed", [&app](const HttpRequest& req, const PathParams&, Respond respond, Post) {
    if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
    if (app.feed == nullptr) return respond(ErrorResponse(404, "NOT_FOUND", "this server is not a query node"));
    respond(JsonResponse(200, FeedJson(app.feed->Status())));
  });
}

std::optional<std::string> FeedNotReady(const App& app) {
  if (app.feed == nullptr) return std::nullopt;
  // A query node is ready once it has read (nearly) all the feed holds.
  FeedStatus feed = app.feed->Status();
  if (feed.kafka_lag < 0 || static_cast<GlobalPosition>(feed.kafka_lag) + feed.buffered > kReadyLag) {
    return "the Kafka feed is behind (lag " + std::to_string(feed.kafka_lag) + ", " + std::to_string(feed.buffered) +
           " buffered)";
  }
  return std::nullopt;
}

void RenderKafkaMetrics(const App& app, std::string* out) {
  if (app.relay != nullptr) {
    RelayStatus s = app.relay->Status();
    AppendMetric(out, "eventmart_relay_position", "gauge", "Last position whose every Kafka message is acknowledged.",
           static_cast<double>(s.position));
    AppendMetric(out, "eventmart_relay_lag", "gauge", "Events committed but not yet acknowledged by Kafka.",
           static_cast<double>(s.head - std::min(s.head, s.position)));
    AppendMetric(out, "eventmart_relay_in_flight", "gauge", "Kafka messages waiting for an acknowledgement.",
           static_cast<double>(s.in_flight));
    AppendMetric(out, "eventmart_relay_events_delivered_total", "counter", "Event messages acknowledged.",
           static_cast<double>(s.events_delivered));
    AppendMetric(out, "eventmart_relay_data_platform_delivered_total", "counter", "Data-platform messages acknowledged.",
           static_cast<double>(s.data_platform_delivered));
    AppendMetric(out, "eventmart_relay_delivery_errors_total", "counter", "Deliveries that failed for good.",
           static_cast<double>(s.delivery_errors));
    AppendMetric(out, "eventmart_relay_restarts_total", "counter", "Times the relay dropped its producer and resumed.",
           static_cast<double>(s.restarts));
    *out += "# HELP eventmart_relay_ack_lag_seconds From an event's time to its Kafka acknowledgement.\n"
            "# TYPE eventmart_relay_ack_lag_seconds histogram\n";
    app.relay->ack_lag().Render("eventmart_relay_ack_lag_seconds", "", out);
  }
  if (app.feed != nullptr) {
    FeedStatus s = app.feed->Status();
    AppendMetric(out, "eventmart_feed_buffered", "gauge", "Events received ahead of a missing position.",
           static_cast<double>(s.buffered));
    AppendMetric(out, "eventmart_feed_kafka_lag", "gauge", "Messages on the brokers not yet read (-1 unknown).",
           static_cast<double>(s.kafka_lag));
    AppendMetric(out, "eventmart_feed_received_total", "counter", "Messages read from Kafka.", static_cast<double>(s.received));
    AppendMetric(out, "eventmart_feed_duplicates_total", "counter", "Messages dropped as already applied.",
           static_cast<double>(s.duplicates));
  }
}

}  // namespace eventmart
