// eventmart bench issue: the coupon storm without HTTP. Registers N users
// and one coupon of quantity N through the command processor, then issues
// it to every user from W concurrent submitters (one command outstanding
// each, the next sent from the previous one's acknowledgement). Every
// acknowledgement is durable. Prints issues_per_sec last.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "commands/command_processor.h"
#include "commands/write_model_snapshots.h"
#include "eventstore/rocks_event_store.h"
#include "tools/cli_util.h"
#include "tools/demo_data.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

class IssueStorm {
 public:
  IssueStorm(CommandProcessor& processor, CouponId coupon, UserId first_user, std::int64_t users)
      : processor_(processor), coupon_(coupon), next_user_(first_user), last_user_(first_user + users - 1),
        remaining_(users) {}

  void Submit() {
    UserId user = next_user_.fetch_add(1);
    if (user > last_user_) return;
    processor_.Submit(IssueCoupon{.coupon_id = coupon_, .user_id = user}, std::nullopt, nullptr, [this](Outcome o) {
      if (!o.reply) failures_.fetch_add(1);
      Submit();
      if (remaining_.fetch_sub(1) == 1) {
        std::lock_guard lock(mu_);
        done_ = true;
        cv_.notify_all();
      }
    });
  }

  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }

  std::int64_t failures() const { return failures_.load(); }

 private:
  CommandProcessor& processor_;
  CouponId coupon_;
  std::atomic<std::int64_t> next_user_;
  UserId last_user_;
  std::atomic<std::int64_t> remaining_;
  std::atomic<std::int64_t> failures_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace

int BenchIssue(const BenchIssueOptions& o) {
  if (o.users < 1 || o.writers < 1) {
    std::fprintf(stderr, "eventmart bench issue: --users and --writers must be >= 1\n");
    return kExitUsage;
  }
  if (std::filesystem::exists(o.data_dir + "/events")) {
    std::fprintf(stderr, "eventmart bench issue: %s/events exists; point --data-dir at a new folder\n", o.data_dir.c_str());
    return kExitFailure;
  }
  auto store = RocksEventStore::Open(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart bench issue: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  SystemClock clock;
  CommandProcessor processor(**store, clock, {});
  if (!processor.Start()) return kExitFailure;
  UserId first = 0;
  for (std::int64_t i = 0; i < o.users; ++i) {
    auto user = SubmitAndWait(processor, RegisterUser{"u"});
    if (!user) return kExitFailure;
    if (i == 0) first = std::get<UserReply>(*user).user_id;
  }
  auto coupon = SubmitAndWait(processor, CreateCoupon{{"storm", DiscountType::kFixed, 1000, o.users, 0}});
  if (!coupon) return kExitFailure;
  IssueStorm storm(processor, std::get<CouponView>(*coupon).coupon_id, first, o.users);
  // Snapshots beside the storm, as serve takes them: on their own thread.
  SnapshotFiles files(o.data_dir + "/snapshots");
  std::optional<Snapshotter> snapshotter;
  if (o.snapshot_every_events > 0) {
    snapshotter.emplace(**store, files, clock,
                        SnapshotPolicy{.every_events = o.snapshot_every_events, .every = std::chrono::hours(1),
                                       .poll = std::chrono::milliseconds(20)});
    snapshotter->Start();
  }
  auto start = std::chrono::steady_clock::now();
  for (int w = 0; w < o.writers; ++w) storm.Submit();
  storm.Wait();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  processor.Stop();
  if (snapshotter) {
    snapshotter->Stop();
    SnapshotStatus s = snapshotter->Status();
    std::printf("snapshots=%llu last_snapshot_seconds=%.3f last_snapshot_bytes=%llu\n",
                static_cast<unsigned long long>(s.taken), s.last_write_seconds,
                static_cast<unsigned long long>(s.bytes));
  }
  std::printf("users=%lld writers=%d failures=%lld seconds=%.3f\n", static_cast<long long>(o.users), o.writers,
              static_cast<long long>(storm.failures()), seconds);
  std::printf("issues_per_sec=%.0f\n", static_cast<double>(o.users) / seconds);
  return storm.failures() == 0 ? kExitOk : kExitFailure;
}

}  // namespace eventmart::cli
