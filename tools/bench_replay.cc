// eventmart bench replay: reads the whole log in position order, decoding
// every envelope (and every domain event body this build knows), and prints
// events_per_sec last.
#include <chrono>
#include <cstdio>

#include "eventstore/codec.h"
#include "eventstore/rocks_event_store.h"
#include "eventstore/scan_events.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int BenchReplay(const BenchReplayOptions& o) {
  auto store = RocksEventStore::OpenReader(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart bench replay: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  std::uint64_t events = 0, decoded = 0, bytes = 0;
  auto start = std::chrono::steady_clock::now();
  auto scanned = ScanEvents(
      **store, {},
      [&](const RecordedEventView& e) {
        ++events;
        bytes += e.body.size();
        return true;  // every body is decoded
      },
      [&](const RecordedEventView&, const DomainEvent&) -> Result<ScanStep> {
        ++decoded;
        return ScanStep::kContinue;
      },
      [](const RecordedEventView&, const Error&) -> Result<ScanStep> { return ScanStep::kContinue; });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!scanned) {
    std::fprintf(stderr, "eventmart bench replay: %s\n", scanned.error().Describe().c_str());
    return kExitFailure;
  }
  std::printf("events=%llu domain_events_decoded=%llu body_bytes=%llu seconds=%.3f\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(decoded),
              static_cast<unsigned long long>(bytes), seconds);
  std::printf("events_per_sec=%.0f\n", static_cast<double>(events) / seconds);
  return kExitOk;
}

}  // namespace eventmart::cli
