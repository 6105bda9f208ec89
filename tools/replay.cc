// eventmart replay: events as JSON lines (or CSV) for analysts, from a
// store that a server may be writing. Filters: stream, category, types,
// positions (inclusive), times. --follow keeps tailing until interrupted.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "domain/ids.h"
#include "domain/time_format.h"
#include "eventstore/codec.h"
#include "eventstore/event_json.h"
#include "eventstore/rocks_event_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

class Output {
 public:
  explicit Output(bool csv) : csv_(csv) {
    if (csv_) buffer_ = "eventId,stream,version,position,type,occurredAt,data\n";
  }
  ~Output() { Flush(); }

  // False once stdout is gone (a closed pipe ends the replay quietly).
  bool Write(const RecordedEventView& view, const Result<DomainEvent>& event) {
    if (csv_) {
      AppendCsv(view, event);
    } else if (event) {
      AppendEventJson(view, *event, &buffer_);
    } else {
      AppendUndecodable(view);
    }
    buffer_.push_back('\n');
    return buffer_.size() < (1 << 20) || Flush();
  }

  bool Flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) return false;
    buffer_.clear();
    return std::fflush(stdout) == 0;
  }

 private:
  void AppendCsv(const RecordedEventView& view, const Result<DomainEvent>& event) {
    std::string data;
    if (event) AppendEventDataJson(*event, &data);
    buffer_.append(FormatEventId(view.id)).push_back(',');
    buffer_.append(view.stream).push_back(',');
    buffer_.append(std::to_string(view.version)).push_back(',');
    buffer_.append(std::to_string(view.position)).push_back(',');
    buffer_.append(view.type).push_back(',');
    buffer_.append(FormatTime(view.occurred_at_ms)).push_back(',');
    buffer_.push_back('"');
    for (char c : data) {
      if (c == '"') buffer_.push_back('"');  // CSV doubles quotes inside quoted fields
      buffer_.push_back(c);
    }
    buffer_.push_back('"');
  }

  // An event this build cannot decode still shows its envelope; data is null.
  void AppendUndecodable(const RecordedEventView& view) {
    buffer_.append("{\"eventId\":\"").append(FormatEventId(view.id)).append("\",\"stream\":");
    AppendJsonString(view.stream, &buffer_);
    buffer_.append(",\"version\":").append(std::to_string(view.version));
    buffer_.append(",\"position\":").append(std::to_string(view.position)).append(",\"type\":");
    AppendJsonString(view.type, &buffer_);
    buffer_.append(",\"occurredAt\":\"").append(FormatTime(view.occurred_at_ms)).append("\",\"data\":null}");
  }

  bool csv_;
  std::string buffer_;
};

class Filter {
 public:
  explicit Filter(const ReplayOptions& o, TimeMs since, TimeMs until)
      : o_(o), types_(o.types.begin(), o.types.end()), since_(since), until_(until) {}

  bool Accepts(const RecordedEventView& e) const {
    if (!o_.stream.empty() && e.stream != o_.stream) return false;
    if (!o_.category.empty() && CategoryOf(e.stream) != o_.category) return false;
    if (!types_.empty() && !types_.contains(std::string(e.type))) return false;
    return e.occurred_at_ms >= since_ && e.occurred_at_ms <= until_;
  }

 private:
  const ReplayOptions& o_;
  std::set<std::string> types_;
  TimeMs since_, until_;
};

class Progress {
 public:
  explicit Progress(GlobalPosition from, GlobalPosition to) : from_(from), to_(to) {}
  void Tick(GlobalPosition at, std::uint64_t events) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double done = static_cast<double>(at - from_ + 1), total = static_cast<double>(to_ - from_ + 1);
    std::fprintf(stderr, "replay: position %llu of %llu (%.0f%%), %.0f events/s, ETA %.0fs\n",
                 static_cast<unsigned long long>(at), static_cast<unsigned long long>(to_), 100 * done / total,
                 static_cast<double>(events) / seconds, seconds * (total - done) / done);
  }

 private:
  GlobalPosition from_, to_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

}  // namespace

int Replay(const ReplayOptions& o) {
  TimeMs since = INT64_MIN, until = INT64_MAX;
  if (!o.since.empty() && !(ParseTime(o.since) && (since = *ParseTime(o.since), true))) {
    std::fprintf(stderr, "eventmart replay: --since must be an RFC 3339 time, got '%s'\n", o.since.c_str());
    return kExitUsage;
  }
  if (!o.until.empty() && !(ParseTime(o.until) && (until = *ParseTime(o.until), true))) {
    std::fprintf(stderr, "eventmart replay: --until must be an RFC 3339 time, got '%s'\n", o.until.c_str());
    return kExitUsage;
  }
  auto store = RocksEventStore::OpenReader(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart replay: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::signal(SIGTERM, [](int) { g_interrupted = 1; });
  std::signal(SIGPIPE, SIG_IGN);
  Filter filter(o, since, until);
  Output out(o.format == "csv");
  GlobalPosition next = o.from_position;
  std::uint64_t written = 0, undecodable = 0;
  bool stdout_open = true;
  Progress progress(o.from_position, std::min(o.to_position, (*store)->LastPosition()));
  for (;;) {
    auto scanned = (*store)->Scan({.from = next, .to = o.to_position}, [&](const RecordedEventView& view) {
      next = view.position + 1;
      progress.Tick(view.position, written);
      if (!filter.Accepts(view)) return !g_interrupted;
      auto event = DecodeEvent(view);
      if (!event) ++undecodable;
      ++written;
      stdout_open = out.Write(view, event);
      return stdout_open && !g_interrupted;
    });
    if (!scanned) {
      out.Flush();
      std::fprintf(stderr, "eventmart replay: %s\n", scanned.error().Describe().c_str());
      return kExitFailure;
    }
    if (!o.follow || !stdout_open || g_interrupted || next > o.to_position) break;
    if (!out.Flush()) break;
    // Another process writes the store: look again shortly.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto caught = (*store)->CatchUp(); !caught) {
      std::fprintf(stderr, "eventmart replay: %s\n", caught.error().Describe().c_str());
      return kExitFailure;
    }
  }
  out.Flush();
  if (undecodable > 0) {
    std::fprintf(stderr, "eventmart replay: %llu events of types this build does not know were printed with data null\n",
                 static_cast<unsigned long long>(undecodable));
  }
  return kExitOk;
}

}  // namespace eventmart::cli
