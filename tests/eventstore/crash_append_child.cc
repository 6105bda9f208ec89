// A child for the crash test: appends forever from 16 async writers and
// prints "ack <position> <stream> <version>" for every acknowledged event.
// The parent SIGKILLs it at a random moment.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/rocks_event_store.h"

using namespace eventmart;

namespace {

std::mutex out_mu;
RocksEventStore* store = nullptr;

void Write(int writer, StreamVersion version) {
  AppendRequest request;
  StreamAppend append{.stream = "crash-" + std::to_string(writer), .expected = ExpectedVersion::Exactly(version), .events = {}};
  append.events.push_back({.id = NewEventId(1), .type = "test.Happened", .schema_version = 1, .occurred_at_ms = 1,
                           .correlation_id = {}, .causation_id = {}, .body = std::string(200, 'x')});
  request.streams.push_back(std::move(append));
  store->AppendAsync(std::move(request), [writer](Result<AppendResult> r) {
    if (!r) {
      std::fprintf(stderr, "append failed: %s\n", r.error().Describe().c_str());
      std::_Exit(3);
    }
    {
      std::lock_guard lock(out_mu);
      std::printf("ack %llu crash-%d %llu\n", static_cast<unsigned long long>(r->first_position), writer,
                  static_cast<unsigned long long>(r->versions[0]));
      std::fflush(stdout);
    }
    Write(writer, r->versions[0]);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto opened = RocksEventStore::Open(argv[1]);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().Describe().c_str());
    return 1;
  }
  store = opened->get();
  // Resume every writer's stream where the log says it is.
  std::vector<StreamVersion> heads;
  for (int w = 0; w < 16; ++w) {
    auto events = store->ReadStream("crash-" + std::to_string(w), 1, ~std::size_t{0});
    if (!events) return 1;
    heads.push_back(events->empty() ? 0 : events->back().version);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (int w = 0; w < 16; ++w) Write(w, heads[w]);
  for (;;) pause();
}
