#include "cluster/cluster_node.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cluster/cluster_errors.h"
#include "cluster/peer_client.h"
#include "cluster/replicated_fold.h"
#include "commands/command_processor.h"
#include "eventstore/replicated_batch.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

using nlohmann::json;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// head := "<batch number> <last position>"
std::string HeadValue(std::uint64_t sequence, GlobalPosition last) {
  return std::to_string(sequence) + " " + std::to_string(last);
}

bool ParseHead(std::string_view text, std::uint64_t* sequence, GlobalPosition* last) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) return false;
  auto a = std::from_chars(text.data(), text.data() + space, *sequence);
  auto b = std::from_chars(text.data() + space + 1, text.data() + text.size(), *last);
  return a.ec == std::errc() && b.ec == std::errc() && b.ptr == text.data() + text.size();
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

const char* RoleName(int role) {
  switch (role) {
    case 2: return "leader";
    case 1: return "candidate";
    default: return "follower";
  }
}

}  // namespace

ClusterNode::ClusterNode(RocksEventStore& store, ClusterOptions options, LeaderHooks hooks)
    : store_(store),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      etcd_(options_.etcd_endpoints, options_.etcd_timeout),
      lease_etcd_(options_.etcd_endpoints, options_.etcd_timeout),
      commit_etcd_(options_.etcd_endpoints, options_.etcd_timeout) {
  commit_position_ = store_.LastPosition();
  commit_sequence_ = store_.ReplicatedSequence();
}

ClusterNode::~ClusterNode() { Stop(); }

Result<std::map<int, std::string>> ClusterNode::ParsePeers(std::string_view text) {
  std::map<int, std::string> peers;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    auto eq = item.find('=');
    auto id = eq == std::string_view::npos ? std::nullopt : ParseInt(item.substr(0, eq));
    if (!id || *id <= 0) return Fail(ClusterErrc::kInvalidConfig, "'" + std::string(item) + "' is not ID=URL with an ID of 1 or more");
    std::string url(item.substr(eq + 1));
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.starts_with("http://") || url.size() <= 7) {
      return Fail(ClusterErrc::kInvalidConfig, "peer " + std::to_string(*id) + ": '" + url + "' is not an http:// URL");
    }
    if (!peers.emplace(*id, url).second) return Fail(ClusterErrc::kInvalidConfig, "peer " + std::to_string(*id) + " named twice");
  }
  if (peers.empty()) return Fail(ClusterErrc::kInvalidConfig, "no peers");
  return peers;
}

void ClusterNode::Start() {
  store_.SetReplicator(this);
  watch_ = std::make_unique<EtcdWatch>(options_.etcd_endpoints, Key("log/"), PrefixEnd(Key("log/")),
                                       options_.watch_idle, [this](std::vector<EtcdKv> puts) { OnWatched(std::move(puts)); },
                                       [this] { return leading_.load(); });
  watch_->Start();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-cluster");
    Run();
  });
  lease_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-lease");
    RenewLease();
  });
}

void ClusterNode::Stop() {
  if (stopping_.exchange(true)) return;
  wake_cv_.notify_all();
  if (watch_) watch_->Stop();
  if (thread_.joinable()) thread_.join();
  if (lease_thread_.joinable()) lease_thread_.join();
  if (auto lease = lease_.load(); lease != 0) {
    // Lets the others elect a leader now rather than after the TTL.
    if (auto revoked = etcd_.RevokeLease(lease); !revoked) {
      spdlog::warn("cluster: could not revoke lease on stop: {}", revoked.error().Describe());
    }
  }
}

std::string ClusterNode::LogKey(std::uint64_t sequence) const {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(sequence));
  return Key("log/") + digits;
}

// The lease thread: renews the session three times per TTL. A lease that
// etcd no longer knows, or that could not be renewed within its TTL, is
// lost: whatever hung on it (the leadership) is gone.
void ClusterNode::RenewLease() {
  auto period = std::chrono::milliseconds(options_.lease_ttl_seconds * 1000 / 4);
  auto last_renewed = std::chrono::steady_clock::now();
  while (!stopping_) {
    {
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, period, [&] { return stopping_.load(); });
    }
    std::int64_t lease = lease_.load();
    if (lease == 0 || stopping_) {
      last_renewed = std::chrono::steady_clock::now();
      continue;
    }
    auto ttl = lease_etcd_.KeepAlive(lease);
    if (ttl && *ttl > 0) {
      last_renewed = std::chrono::steady_clock::now();
      continue;
    }
    bool expired = (ttl && *ttl <= 0) ||
                   std::chrono::steady_clock::now() - last_renewed > std::chrono::seconds(options_.lease_ttl_seconds);
    if (expired && lease_.compare_exchange_strong(lease, 0)) {
      spdlog::warn("cluster: lease lost ({})", ttl ? "expired" : ttl.error().Describe());
      lease_lost_ = true;
      wake_cv_.notify_all();
    }
  }
}

Result<void> ClusterNode::EnsureLease() {
  if (lease_.load() != 0) return {};
  auto granted = etcd_.GrantLease(options_.lease_ttl_seconds);
  if (!granted) return Fail(granted.error());
  lease_ = *granted;
  return {};
}

// The same trouble every 100 ms is one line every 5 s.
void ClusterNode::WarnThrottled(const std::string& message) {
  auto now = std::chrono::steady_clock::now();
  if (message == last_warning_ && now - last_warned_ < std::chrono::seconds(5)) return;
  spdlog::warn("{}", message);
  last_warning_ = message;
  last_warned_ = now;
}

// Head (read every 100 ms) names batches this node has not applied yet.
bool ClusterNode::Lagging() const {
  std::lock_guard lock(mu_);
  return commit_sequence_ > store_.ReplicatedSequence();
}

void ClusterNode::Run() {
  auto last_view = std::chrono::steady_clock::time_point{};
  bool warned = false;
  while (!stopping_) {
    if (leading_ && (fenced_ || lease_lost_)) StepDown(fenced_ ? "a commit was refused or failed" : "lease lost");
    lease_lost_ = false;
    std::size_t applied = 0;
    bool leading = leading_.load();
    if (!leading) {
      if (auto loaded = EnsureModel(); !loaded) WarnThrottled("cluster: hot write model: " + loaded.error().Describe());
      bool gap = false;
      auto watched = ApplyWatched(&gap);
      if (!watched) WarnThrottled("cluster: applying a watched batch: " + watched.error().Describe());
      // The range is read when the watch cannot be followed, or head names
      // batches the watch has not brought yet; at start-up, head is not
      // known yet.
      bool read_range = gap || !watched || (*watched == 0 && Lagging()) || views_ == 0;
      bool behind;
      {
        std::lock_guard lock(mu_);
        behind = behind_;
      }
      // Behind etcd's oldest batch, the range cannot help: no read until
      // a copy from a peer succeeded.
      auto got = behind       ? Result<std::size_t>(Fail(ClusterErrc::kBehind))
                 : read_range ? ApplyCommitted(etcd_, /*serializable=*/true)
                              : Result<std::size_t>(*watched);
      if (!got && got.error().code == ClusterErrc::kBehind) {
        // At most one attempt a second: each is a full round of peer reads.
        auto now = std::chrono::steady_clock::now();
        if (now - last_copy_attempt_ >= std::chrono::seconds(1)) {
          last_copy_attempt_ = now;
          if (auto copied = CatchUpFromPeer(); !copied) {
            WarnThrottled("cluster: catching up from a peer: " + copied.error().Describe());
          }
        }
      } else if (!got && !warned) {
        spdlog::warn("cluster: following: {}", got.error().Describe());
      }
      warned = !got;
      applied = got ? *got : 0;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_view >= std::chrono::milliseconds(100)) {
      last_view = now;
      if (auto lease = EnsureLease(); !lease) {
        WarnThrottled("cluster: no session with etcd: " + lease.error().Describe());
      } else if (auto viewed = RefreshView(); !viewed) {
        WarnThrottled("cluster: reading the cluster's state: " + viewed.error().Describe());
      } else {
        if (views_ % 5 == 0) Report();  // every ~0.5 s: each is an etcd write
        if (leading_ && Deposed()) fenced_ = true;
        if (leading_ && views_ % 20 == 0) TrimLog();  // every ~2 s
        ++views_;
        bool no_leader;
        {
          std::lock_guard lock(mu_);
          no_leader = !leader_id_ && !behind_ && store_.ReplicatedSequence() >= commit_sequence_;
        }
        if (!leading_ && no_leader) Campaign();
      }
    }
    if (applied == 0) {
      // The watch wakes the follower when a batch arrives; otherwise it
      // looks again at the next view of etcd (or after `poll` while it
      // lags behind head: the range is read then).
      auto wait = leading ? std::chrono::milliseconds(50) : Lagging() ? options_.poll : std::chrono::milliseconds(100);
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, wait, [&] {
        if (stopping_ || fenced_ || lease_lost_) return true;
        std::lock_guard watched(watched_mu_);
        return !leading_ && !watched_.empty();
      });
    }
  }
  if (leading_) StepDown("stopping");
}

Result<std::size_t> ClusterNode::ApplyCommitted(EtcdClient& etcd, bool serializable) {
  std::uint64_t next = store_.ReplicatedSequence() + 1;
  auto range = etcd.Range(LogKey(next), PrefixEnd(Key("log/")), 256, serializable);
  if (!range) return Fail(range.error());
  std::size_t applied = 0;
  for (auto& kv : range->kvs) {
    if (kv.key != LogKey(next)) {
      std::lock_guard lock(mu_);
      if (!behind_) {
        spdlog::warn("cluster: batch {} is no longer in etcd (found {}): copying from a peer", next, kv.key);
      }
      behind_ = true;
      return Fail(ClusterErrc::kBehind, "batch " + std::to_string(next));
    }
    if (auto written = ApplyBatch(next, std::move(kv.value), /*copied=*/false); !written) return Fail(written.error());
    ++next;
    ++applied;
  }
  return applied;
}

// The watch thread: batches go to the node thread, which applies them in
// order. A leader's own batches are not kept (it has them).
void ClusterNode::OnWatched(std::vector<EtcdKv> puts) {
  if (leading_) return;
  const std::string prefix = Key("log/");
  {
    std::lock_guard lock(watched_mu_);
    for (auto& kv : puts) {
      std::uint64_t sequence = 0;
      std::string_view digits = std::string_view(kv.key).substr(std::min(prefix.size(), kv.key.size()));
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
      if (ec != std::errc() || end != digits.data() + digits.size() || !kv.key.starts_with(prefix)) continue;
      // Bounded: a node that cannot keep up reads the range instead.
      if (watched_.size() >= 4096) {
        watch_overflowed_ = true;
        continue;
      }
      watched_.emplace_back(sequence, std::move(kv.value));
    }
  }
  // Through wake_mu_: the node thread checks the queue under it before it sleeps.
  { std::lock_guard lock(wake_mu_); }
  wake_cv_.notify_all();
}

Result<std::size_t> ClusterNode::ApplyWatched(bool* gap) {
  std::deque<std::pair<std::uint64_t, std::string>> batches;
  {
    std::lock_guard lock(watched_mu_);
    batches.swap(watched_);
    *gap = watch_overflowed_;
    watch_overflowed_ = false;
  }
  std::size_t applied = 0;
  for (auto& [sequence, batch] : batches) {
    std::uint64_t next = store_.ReplicatedSequence() + 1;
    if (sequence < next) continue;  // already applied (from a range read)
    if (sequence > next) {
      *gap = true;
      break;
    }
    if (auto written = ApplyBatch(sequence, std::move(batch), /*copied=*/false); !written) return Fail(written.error());
    ++applied;
  }
  return applied;
}

Result<void> ClusterNode::ApplyBatch(std::uint64_t sequence, std::string batch, bool copied) {
  if (!copied) {  // from etcd, where batches are stored packed
    auto unpacked = UnpackReplicatedBatch(std::move(batch));
    if (!unpacked) {
      return Fail(unpacked.error().code, "batch " + std::to_string(sequence) + ": " + unpacked.error().detail);
    }
    batch = std::move(*unpacked);
  }
  // Decoded before it is written: the write takes the bytes.
  std::optional<BatchEvents> events;
  if (model_) {
    auto decoded = DecodeBatchEvents(batch);
    if (!decoded) return Fail(decoded.error());
    events = std::move(*decoded);
  }
  auto written = copied ? store_.ApplyCopied(std::move(batch), sequence) : store_.ApplyReplicated(sequence, std::move(batch));
  if (!written) {
    // The store may have written part of it (a failed write poisons it):
    // the model is loaded again from what the log holds.
    model_.reset();
    return Fail(written.error());
  }
  if (model_) FoldBatch(*model_, *events);
  NoteCommit(store_.LastPosition());
  return {};
}

Result<void> ClusterNode::EnsureModel() {
  if (model_) return {};
  if (!hooks_.load_model) return Fail(ClusterErrc::kInvalidConfig, "no way to load the write model");
  auto started = std::chrono::steady_clock::now();
  auto loaded = hooks_.load_model();
  if (!loaded) return Fail(loaded.error());
  if (loaded->position != store_.LastPosition()) {
    return Fail(ClusterErrc::kBadResponse, "the write model was loaded up to position " +
                                               std::to_string(loaded->position) + ", the log ends at " +
                                               std::to_string(store_.LastPosition()));
  }
  model_ = std::move(loaded->model);
  spdlog::info("cluster: hot write model loaded in {:.3f} s (snapshot at {}, then {} events; end {})",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               loaded->snapshot_position, loaded->tail_events, loaded->position);
  return {};
}

// The peers by the batch number they last reported, most advanced first;
// the first whose copy succeeds wins.
Result<void> ClusterNode::CatchUpFromPeer() {
  std::vector<std::pair<std::uint64_t, int>> candidates;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, report] : reports_) {
      if (id != options_.node_id && report.sequence > store_.ReplicatedSequence() && options_.peers.contains(id)) {
        candidates.emplace_back(report.sequence, id);
      }
    }
  }
  if (candidates.empty()) return Fail(ClusterErrc::kBehind, "no peer reports more batches than this node has");
  std::sort(candidates.rbegin(), candidates.rend());
  std::string errors;
  for (const auto& [sequence, peer] : candidates) {
    auto copied = CopyFromPeer(peer);
    if (copied) {
      std::lock_guard lock(mu_);
      behind_ = false;
      return {};
    }
    errors += (errors.empty() ? "" : "; ") + std::string("node ") + std::to_string(peer) + ": " +
              copied.error().Describe();
  }
  return Fail(ClusterErrc::kBehind, errors);
}

// The peer's log from this node's end, page by page, up to the end of the
// peer's log as one page saw it; then every idempotency record it holds;
// the last write sets the batch number that end stood at, so that this
// node follows etcd from the next one. A copy cut short leaves positions
// past the batch number, and the next attempt goes on from the log's end.
Result<void> ClusterNode::CopyFromPeer(int peer) {
  PeerClient client(options_.peers.at(peer), options_.admin_token, options_.copy_timeout);
  GlobalPosition started_at = store_.LastPosition();
  std::uint64_t sequence = 0;
  for (;;) {
    GlobalPosition from = store_.LastPosition() + 1;
    auto page = client.LogPage(from, options_.copy_page);
    if (!page) return Fail(page.error());
    if (page->end + 1 < from) {
      return Fail(ClusterErrc::kBehind, "its log ends at " + std::to_string(page->end) + ", before this node's");
    }
    auto view = DecodeReplicatedBatch(page->batch);
    if (!view) return Fail(view.error());
    if (view->first_position != from || (view->envelopes.empty() && page->end >= from)) {
      return Fail(ClusterErrc::kBadResponse, "a page from position " + std::to_string(from) + " that starts at " +
                                                 std::to_string(view->first_position) + " with " +
                                                 std::to_string(view->envelopes.size()) + " events");
    }
    GlobalPosition last = from + view->envelopes.size() - 1;
    bool at_end = last >= page->end;
    if (!view->envelopes.empty()) {
      if (auto written = ApplyBatch(0, std::move(page->batch), /*copied=*/true); !written) return written;
    }
    if (at_end) {
      sequence = page->sequence;
      break;
    }
  }
  if (sequence <= store_.ReplicatedSequence()) {
    return Fail(ClusterErrc::kBehind, "it has batch " + std::to_string(sequence) + " only");
  }
  std::string after;
  std::uint64_t records = 0;
  for (;;) {
    auto page = client.CommandPage(after, options_.copy_page);
    if (!page) return Fail(page.error());
    auto view = DecodeReplicatedBatch(page->batch);
    if (!view) return Fail(view.error());
    if (!view->envelopes.empty()) return Fail(ClusterErrc::kBadResponse, "a page of command records with events");
    records += view->commands.size();
    if (page->more && view->commands.empty()) return Fail(ClusterErrc::kBadResponse, "an empty page with more to come");
    std::string next_after = view->commands.empty() ? after : std::string(view->commands.back().id);
    bool more = page->more;
    if (auto written = store_.ApplyCopied(std::move(page->batch), more ? 0 : sequence); !written) {
      return Fail(written.error());
    }
    if (!more) break;
    after = std::move(next_after);
  }
  spdlog::info("cluster: copied positions {} to {} and {} idempotency records from node {}; following etcd from "
               "batch {}", started_at + 1, store_.LastPosition(), records, peer, sequence + 1);
  return {};
}

Result<ClusterCopyPage> ClusterNode::CopyLog(GlobalPosition from, std::size_t limit) const {
  auto page = store_.ReadLogPage(from, limit);
  if (!page) return Fail(page.error());
  return ClusterCopyPage{.batch = std::move(page->batch), .end = page->end, .sequence = page->sequence};
}

Result<ClusterCopyPage> ClusterNode::CopyCommands(std::string_view after, std::size_t limit) const {
  auto page = store_.ReadCommandPage(after, limit);
  if (!page) return Fail(page.error());
  return ClusterCopyPage{.batch = std::move(page->batch), .end = page->end, .sequence = page->sequence,
                         .more = page->more};
}

void ClusterNode::NoteCommit(GlobalPosition last) {
  std::lock_guard lock(mu_);
  if (commit_times_.empty() || commit_times_.back().first < last) commit_times_.emplace_back(last, NowMs());
  while (commit_times_.size() > 20'000) commit_times_.pop_front();
  commit_position_ = std::max(commit_position_, last);
}

// One read of leader, head and members (a transaction without a guard).
// A follower reads its etcd member's copy: ten times a second on every
// node, a linearizable read is a quorum round trip (etcd's ReadIndex) each,
// and nothing a follower decides on this view needs one: a campaign is a
// guarded transaction, and a new leader reads head linearizably before it
// decides (CatchUpToHead). The leader's view stays linearizable (it steps
// down on what it shows).
Result<void> ClusterNode::RefreshView() {
  auto get = [local = !leading_](std::string key, std::string end) {
    return local ? EtcdOp::LocalGet(std::move(key), std::move(end)) : EtcdOp::Get(std::move(key), std::move(end));
  };
  auto txn = etcd_.Txn({}, {get(Key("leader"), {}), get(Key("head"), {}),
                            get(Key("members/"), PrefixEnd(Key("members/")))}, {});
  if (!txn) return Fail(txn.error());
  if (txn->ranges.size() != 3) return Fail(ClusterErrc::kBadResponse, "view: not three ranges");
  std::lock_guard lock(mu_);
  std::optional<int> leader;
  std::int64_t term = 0;
  if (!txn->ranges[0].empty()) {
    leader = ParseInt(txn->ranges[0][0].value);
    term = txn->ranges[0][0].create_revision;
  }
  if (term != 0 && term != leader_term_) ++elections_;
  if (term != 0) leader_term_ = term;
  leader_id_ = leader;
  if (!txn->ranges[1].empty()) {
    std::uint64_t sequence = 0;
    GlobalPosition last = 0;
    if (!ParseHead(txn->ranges[1][0].value, &sequence, &last)) {
      return Fail(ClusterErrc::kBadResponse, "head is '" + txn->ranges[1][0].value + "'");
    }
    commit_sequence_ = std::max(commit_sequence_, sequence);
    commit_position_ = std::max(commit_position_, last);
  }
  reports_.clear();
  for (const auto& kv : txn->ranges[2]) {
    auto id = ParseInt(std::string_view(kv.key).substr(Key("members/").size()));
    auto body = json::parse(kv.value, nullptr, false);
    if (!id || body.is_discarded() || !body.is_object()) continue;
    reports_[*id] = {.applied = body.value("applied", GlobalPosition{0}),
                     .sequence = body.value("sequence", std::uint64_t{0}),
                     .role = body.value("role", "follower")};
  }
  return {};
}

Result<GlobalPosition> ClusterNode::SharedRelayCheckpoint() {
  auto range = etcd_.Range(Key("relayed"), {}, 0, /*serializable=*/false);
  if (!range) return Fail(range.error());
  if (range->kvs.empty()) return GlobalPosition{0};
  GlobalPosition position = 0;
  const std::string& text = range->kvs[0].value;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Fail(ClusterErrc::kBadResponse, "relayed is '" + text + "'");
  }
  return position;
}

// The leader key is gone or another node's (this node's lease lapsed).
bool ClusterNode::Deposed() const {
  std::lock_guard lock(mu_);
  return !leader_id_ || *leader_id_ != options_.node_id || leader_term_ != term_;
}

void ClusterNode::Report() {
  std::string role;
  {
    std::lock_guard lock(mu_);
    role = RoleName(static_cast<int>(role_));
  }
  json body{{"applied", store_.LastPosition()}, {"sequence", store_.ReplicatedSequence()}, {"role", role}};
  std::vector<EtcdOp> ops{EtcdOp::Put(Key("members/") + std::to_string(options_.node_id), body.dump(), lease_.load())};
  if (leading_ && hooks_.relayed) {
    if (GlobalPosition relayed = hooks_.relayed(); relayed > 0) ops.push_back(EtcdOp::Put(Key("relayed"), std::to_string(relayed)));
  }
  auto put = etcd_.Txn({}, ops, {});
  if (!put) spdlog::debug("cluster: report: {}", put.error().Describe());
}

void ClusterNode::SetRole(Role role) {
  std::lock_guard lock(mu_);
  role_ = role;
}

void ClusterNode::Campaign() {
  std::int64_t lease = lease_.load();
  if (lease == 0) return;
  SetRole(Role::kCandidate);
  auto txn = etcd_.Txn({{.key = Key("leader"), .target = EtcdCompare::Target::kCreateRevision, .revision = 0}},
                       {EtcdOp::Put(Key("leader"), std::to_string(options_.node_id), lease)}, {});
  if (!txn || !txn->succeeded) {
    if (!txn) spdlog::warn("cluster: campaign: {}", txn.error().Describe());
    SetRole(Role::kFollower);
    return;
  }
  term_ = txn->revision;  // the revision that created the key
  spdlog::info("cluster: node {} elected, term {}", options_.node_id, term_.load());
  if (auto caught_up = CatchUpToHead(); !caught_up) {
    StepDown("catching up after the election: " + caught_up.error().Describe());
    return;
  }
  if (auto loaded = EnsureModel(); !loaded) {
    StepDown("loading the write model: " + loaded.error().Describe());
    return;
  }
  fenced_ = false;
  leading_ = true;  // from here the committer replicates under term_
  // The hot model goes to the processor (which now owns the only copy);
  // after leading, the node loads it again from its log.
  Aggregates model = std::move(*model_);
  model_.reset();
  auto processor = hooks_.start(std::move(model), store_.LastPosition());
  if (!processor) {
    StepDown("starting the command processor: " + processor.error().Describe());
    return;
  }
  std::lock_guard lock(mu_);
  role_ = Role::kLeader;
  processor_ = std::move(*processor);
  leader_id_ = options_.node_id;
  if (term_ != leader_term_) ++elections_;
  leader_term_ = term_;
  spdlog::info("cluster: node {} leads from position {} (batch {})", options_.node_id, store_.LastPosition(),
               store_.ReplicatedSequence());
}

// Applies every batch committed before this election (a linearizable read
// of head), and remembers head's revision for the first guarded commit.
Result<void> ClusterNode::CatchUpToHead() {
  for (;;) {
    auto head = etcd_.Range(Key("head"), {}, 0, /*serializable=*/false);
    if (!head) return Fail(head.error());
    std::uint64_t sequence = 0;
    GlobalPosition last = 0;
    if (!head->kvs.empty() && !ParseHead(head->kvs[0].value, &sequence, &last)) {
      return Fail(ClusterErrc::kBadResponse, "head is '" + head->kvs[0].value + "'");
    }
    if (store_.ReplicatedSequence() > sequence) {
      return Fail(ClusterErrc::kBadResponse, "this node has batch " + std::to_string(store_.ReplicatedSequence()) +
                                                 " but etcd's log ends at " + std::to_string(sequence) +
                                                 " (was etcd's data replaced?)");
    }
    if (store_.ReplicatedSequence() == sequence) {
      head_revision_ = head->kvs.empty() ? 0 : head->kvs[0].mod_revision;
      std::lock_guard lock(mu_);
      commit_sequence_ = sequence;
      commit_position_ = std::max(commit_position_, last);
      return {};
    }
    auto applied = ApplyCommitted(etcd_, /*serializable=*/false);
    if (!applied) return Fail(applied.error());
  }
}

Result<void> ClusterNode::Replicate(std::uint64_t sequence, std::string_view batch) {
  // Read once: a guard on create_revision 0 would pass with no leader at all.
  std::int64_t term = term_.load();
  if (term == 0 || !leading_ || fenced_) return Fail(ClusterErrc::kNotLeader);
  auto view = DecodeReplicatedBatch(batch);
  if (!view) return Fail(view.error());
  GlobalPosition last = view->envelopes.empty() ? store_.LastPosition()
                                                 : view->first_position + view->envelopes.size() - 1;
  auto txn = commit_etcd_.Txn(
      {{.key = Key("leader"), .target = EtcdCompare::Target::kCreateRevision, .revision = term},
       {.key = Key("head"), .target = EtcdCompare::Target::kModRevision, .revision = head_revision_}},
      {EtcdOp::Put(LogKey(sequence), PackReplicatedBatch(std::string(batch), options_.batch_packing)),
       EtcdOp::Put(Key("head"), HeadValue(sequence, last))},
      {});
  if (!txn || !txn->succeeded) {
    // Refused (deposed) or unknown (etcd unreachable): this node may not
    // commit anything more under this term. If the batch did reach etcd,
    // this node applies it as a follower.
    fenced_ = true;
    wake_cv_.notify_all();
    if (!txn) return Fail(txn.error());
    return Fail(ClusterErrc::kFenced, "term " + std::to_string(term) + " is over");
  }
  head_revision_ = txn->revision;
  NoteCommit(last);
  {
    std::lock_guard lock(mu_);
    commit_sequence_ = sequence;
  }
  return {};
}

void ClusterNode::StepDown(const std::string& why) {
  spdlog::warn("cluster: node {} steps down: {}", options_.node_id, why);
  leading_ = false;
  std::shared_ptr<CommandProcessor> processor;
  {
    std::lock_guard lock(mu_);
    processor = std::move(processor_);
    role_ = Role::kFollower;
    leader_id_.reset();
  }
  if (processor) hooks_.stop(std::move(processor));
  // Release the leadership now if it is still ours (the guard makes sure a
  // successor's key is never deleted).
  if (std::int64_t term = term_.load(); term != 0) {
    auto released = etcd_.Txn({{.key = Key("leader"), .target = EtcdCompare::Target::kCreateRevision, .revision = term}},
                              {EtcdOp::Delete(Key("leader"))}, {});
    if (!released) spdlog::warn("cluster: releasing the leader key: {}", released.error().Describe());
  }
  term_ = 0;
  fenced_ = false;
}

// Keeps the last `retain_batches` batches in etcd: enough for a member
// that was down or wiped to catch up from etcd alone. A member further
// behind needs a copy of a peer's data (README, "Replacing a node").
void ClusterNode::TrimLog() {
  std::uint64_t head;
  {
    std::lock_guard lock(mu_);
    head = commit_sequence_;
  }
  if (head <= options_.retain_batches + 1) return;
  auto trimmed = etcd_.Txn({}, {EtcdOp::Delete(Key("log/"), LogKey(head - options_.retain_batches))}, {});
  if (!trimmed) spdlog::debug("cluster: trim: {}", trimmed.error().Describe());
}

ClusterView::CommandRoute ClusterNode::RouteCommand() const {
  std::lock_guard lock(mu_);
  if (processor_ && leading_) return {processor_, ""};
  if (leader_id_ && *leader_id_ != options_.node_id) {
    auto it = options_.peers.find(*leader_id_);
    if (it != options_.peers.end()) return {nullptr, it->second};
  }
  return {};
}

std::int64_t ClusterNode::LagMs(GlobalPosition applied, std::int64_t now_ms) const {
  if (applied >= commit_position_) return 0;
  for (const auto& [last, at] : commit_times_) {
    if (last > applied) return std::max<std::int64_t>(0, now_ms - at);
  }
  return 0;
}

ClusterStatus ClusterNode::Status() const {
  std::lock_guard lock(mu_);
  std::int64_t now = NowMs();
  ClusterStatus s{.node_id = options_.node_id,
                  .role = RoleName(static_cast<int>(role_)),
                  .term = leader_term_,
                  .leader_id = leader_id_,
                  .commit_position = std::max(commit_position_, store_.LastPosition()),
                  .applied_position = store_.LastPosition(),
                  .elections = elections_};
  if (leader_id_) {
    if (auto it = options_.peers.find(*leader_id_); it != options_.peers.end()) s.leader_url = it->second;
  }
  for (const auto& [id, url] : options_.peers) {
    ClusterMemberStatus m{.id = id, .url = url, .role = "unreachable"};
    if (id == options_.node_id) {
      m.role = s.role;
      m.applied_position = s.applied_position;
    } else if (auto it = reports_.find(id); it != reports_.end()) {
      m.role = it->second.role;
      m.applied_position = it->second.applied;
    }
    m.lag_ms = LagMs(m.applied_position, now);
    s.members.push_back(std::move(m));
  }
  return s;
}

}  // namespace eventmart
