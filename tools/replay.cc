// eventmart replay: events as JSON lines (or CSV) for analysts, from a
// store that a server may be writing. Filters: stream, category, types,
// positions (inclusive), times. --follow keeps tailing until interrupted.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <set>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "domain/ids.h"
#include "domain/time_format.h"
#include "eventstore/codec.h"
#include "eventstore/event_json.h"
#include "eventstore/rocks_event_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

// How much of [from, to] is done once `at` is.
double Share(GlobalPosition at, GlobalPosition from, GlobalPosition to) {
  return static_cast<double>(at - from + 1) / static_cast<double>(to - from + 1);
}

volatile std::sig_atomic_t g_interrupted = 0;

class Output {
 public:
  explicit Output(bool csv) : csv_(csv) {
    if (csv_) buffer_ = "eventId,stream,version,position,type,occurredAt,data\n";
  }
  ~Output() { Flush(); }

  // False once stdout is gone (a closed pipe ends the replay quietly).
  bool Write(const RecordedEventView& view, const Result<DomainEvent>& event) {
    Append(view, event, csv_, &buffer_);
    return buffer_.size() < (1 << 20) || Flush();
  }

  // One event's line, newline included.
  static void Append(const RecordedEventView& view, const Result<DomainEvent>& event, bool csv, std::string* out) {
    if (csv) {
      AppendCsv(view, event, out);
    } else if (event) {
      AppendEventJson(view, *event, out);
    } else {
      AppendUndecodable(view, out);
    }
    out->push_back('\n');
  }

  bool Flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) return false;
    buffer_.clear();
    return std::fflush(stdout) == 0;
  }

 private:
  static void AppendCsv(const RecordedEventView& view, const Result<DomainEvent>& event, std::string* out) {
    std::string data;
    if (event) AppendEventDataJson(*event, &data);
    out->append(FormatEventId(view.id)).push_back(',');
    out->append(view.stream).push_back(',');
    out->append(std::to_string(view.version)).push_back(',');
    out->append(std::to_string(view.position)).push_back(',');
    out->append(view.type).push_back(',');
    out->append(FormatTime(view.occurred_at_ms)).push_back(',');
    out->push_back('"');
    for (char c : data) {
      if (c == '"') out->push_back('"');  // CSV doubles quotes inside quoted fields
      out->push_back(c);
    }
    out->push_back('"');
  }

  // An event this build cannot decode still shows its envelope; data is null.
  static void AppendUndecodable(const RecordedEventView& view, std::string* out) {
    out->append("{\"eventId\":\"").append(FormatEventId(view.id)).append("\",\"stream\":");
    AppendJsonString(view.stream, out);
    out->append(",\"version\":").append(std::to_string(view.version));
    out->append(",\"position\":").append(std::to_string(view.position)).append(",\"type\":");
    AppendJsonString(view.type, out);
    out->append(",\"occurredAt\":\"").append(FormatTime(view.occurred_at_ms)).append("\",\"data\":null}");
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


// Replays [from, to] on two threads: worker k formats chunks k, k+2, ...
// into its own buffers, and the caller writes the buffers in position order.
class ParallelReplay {
 public:
  static constexpr GlobalPosition kChunk = 65536;

  ParallelReplay(const RocksEventStore& store, const ReplayOptions& o, const Filter& filter)
      : store_(store), o_(o), filter_(filter) {}

  // Returns false if stdout closed or the replay was interrupted.
  Result<bool> Run(GlobalPosition from, GlobalPosition to, std::uint64_t* written, std::uint64_t* undecodable) {
    std::size_t chunks = static_cast<std::size_t>((to - from) / kChunk + 1);
    slots_.assign(chunks, Slot{});
    std::thread workers[2];
    for (int k = 0; k < 2; ++k) workers[k] = std::thread([&, k] { Work(k, from, to, chunks); });
    bool open = true;
    Result<bool> outcome = true;
    ProgressLine progress("replay: position", "events");
    for (std::size_t i = 0; i < chunks; ++i) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return slots_[i].ready; });
      Slot slot = std::move(slots_[i]);
      slots_[i] = Slot{};
      slots_[i].consumed = true;
      lock.unlock();
      cv_.notify_all();
      if (slot.error.code) {
        outcome = Fail(slot.error);  // as the scan returned it
        break;
      }
      *written += slot.written;
      *undecodable += slot.undecodable;
      if (open && std::fwrite(slot.text.data(), 1, slot.text.size(), stdout) != slot.text.size()) open = false;
      GlobalPosition at = std::min(to, from + (i + 1) * kChunk - 1);
      progress.Update(at, to, Share(at, from, to), *written);
      if (!open || g_interrupted) break;
    }
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers) w.join();
    if (!outcome) return outcome;
    return open && !g_interrupted && std::fflush(stdout) == 0;
  }

 private:
  struct Slot {
    bool ready = false;
    bool consumed = false;  // written out: its worker may format the next one
    std::string text;
    Error error;  // the chunk's scan failed
    std::uint64_t written = 0;
    std::uint64_t undecodable = 0;
  };

  void Work(int k, GlobalPosition from, GlobalPosition to, std::size_t chunks) {
    for (std::size_t i = static_cast<std::size_t>(k); i < chunks; i += 2) {
      {
        // At most two chunks ahead of the writer, so memory stays bounded.
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || i < 2 || slots_[i - 2].consumed; });
        if (stop_) return;
      }
      Slot slot;
      GlobalPosition start = from + i * kChunk, end = std::min(to, start + kChunk - 1);
      // Raw: an event this build cannot decode is printed with data null.
      auto scanned = store_.Scan({.from = start, .to = end}, [&](const RecordedEventView& view) -> Result<ScanStep> {
        if (!filter_.Accepts(view)) return ScanStep::kContinue;
        auto event = DecodeEvent(view);
        if (!event) ++slot.undecodable;
        ++slot.written;
        Output::Append(view, event, o_.format == "csv", &slot.text);
        return ScanStep::kContinue;
      });
      if (!scanned) slot.error = std::move(scanned.error());
      slot.ready = true;
      {
        std::lock_guard lock(mu_);
        slots_[i] = std::move(slot);
      }
      cv_.notify_all();
    }
  }

  const RocksEventStore& store_;
  const ReplayOptions& o_;
  const Filter& filter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
  bool stop_ = false;
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
  GlobalPosition head = std::min(o.to_position, (*store)->LastPosition());
  if (o.stream.empty() && head >= next && head - next > ParallelReplay::kChunk) {
    // The bulk of a big replay: two cores. Tailing (below) stays sequential.
    out.Flush();
    ParallelReplay parallel(**store, o, filter);
    auto done = parallel.Run(next, head, &written, &undecodable);
    if (!done) {
      std::fprintf(stderr, "eventmart replay: %s\n", done.error().Describe().c_str());
      return kExitFailure;
    }
    stdout_open = *done;
    next = head + 1;
  }
  ProgressLine progress("replay: position", "events");
  GlobalPosition first = next, last = std::max(next, head);
  for (;;) {
    if (!stdout_open || g_interrupted || next > o.to_position) break;
    auto scanned = (*store)->Scan({.from = next, .to = o.to_position}, [&](const RecordedEventView& view) {
      next = view.position + 1;
      progress.Update(view.position, last, Share(view.position, first, last), written);
      if (!filter.Accepts(view)) return g_interrupted ? ScanStep::kStop : ScanStep::kContinue;
      auto event = DecodeEvent(view);
      if (!event) ++undecodable;
      ++written;
      stdout_open = out.Write(view, event);
      return stdout_open && !g_interrupted ? ScanStep::kContinue : ScanStep::kStop;
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
