#include "commands/command_processor.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "commands/command_errors.h"
#include "domain/errors.h"
#include "eventstore/rocks_event_store.h"
#include "tests/support/process.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

struct Harness {
  explicit Harness(std::string dir_in, Money max_balance = kDefaultMaxBalance) : dir(std::move(dir_in)) {
    auto opened = RocksEventStore::Open(dir);
    REQUIRE(opened);
    store = std::move(*opened);
    processor = std::make_unique<CommandProcessor>(*store, clock, CommandProcessorOptions{.max_balance = max_balance});
    REQUIRE(processor->Start());
  }

  Outcome Run(Command command, std::optional<Idempotency> idem = std::nullopt) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    processor->Submit(std::move(command), std::move(idem),
                      [](const Result<Reply>& r) { return r ? std::string("ok") : r.error().code.message(); },
                      [&promise](Outcome o) { promise.set_value(std::move(o)); });
    return future.get();
  }

  UserId Register(const std::string& name) {
    auto o = Run(RegisterUser{name});
    REQUIRE(o.reply);
    return std::get<UserReply>(*o.reply).user_id;
  }

  std::string dir;
  ManualClock clock{1'700'000'000'000};
  std::unique_ptr<RocksEventStore> store;
  std::unique_ptr<CommandProcessor> processor;
};

}  // namespace

TEST_CASE("Users get increasing ids and charges add up", "[commands]") {
  Harness h(TempDir("commands-basic"));
  UserId kim = h.Register("kim");
  UserId lee = h.Register("lee");
  CHECK(lee == kim + 1);
  auto charged = h.Run(ChargePoints{.user_id = kim, .amount = 1000});
  REQUIRE(charged.reply);
  CHECK(std::get<BalanceReply>(*charged.reply).balance == 1000);
  charged = h.Run(ChargePoints{.user_id = kim, .amount = 500});
  CHECK(std::get<BalanceReply>(*charged.reply).balance == 1500);
  auto unknown = h.Run(ChargePoints{.user_id = 999, .amount = 1});
  REQUIRE_FALSE(unknown.reply);
  CHECK(unknown.reply.error().code == DomainErrc::kUserNotFound);
  CHECK(h.store->LastPosition() == 4);  // the rejection appended nothing
}

TEST_CASE("State is rebuilt from the log after a restart", "[commands]") {
  std::string dir = TempDir("commands-restart");
  UserId kim;
  {
    Harness h(dir, 5000);
    kim = h.Register("kim");
    REQUIRE(h.Run(ChargePoints{.user_id = kim, .amount = 4000}).reply);
  }
  Harness h(dir, 5000);
  auto over = h.Run(ChargePoints{.user_id = kim, .amount = 1001});
  REQUIRE_FALSE(over.reply);
  CHECK(over.reply.error().code == DomainErrc::kBalanceLimitExceeded);
  auto ok = h.Run(ChargePoints{.user_id = kim, .amount = 1000});
  REQUIRE(ok.reply);
  CHECK(std::get<BalanceReply>(*ok.reply).balance == 5000);
  CHECK(h.Register("lee") == kim + 1);
  auto events = h.store->ReadStream("account-" + std::to_string(kim), 1, 10);
  REQUIRE(events->size() == 2);
  CHECK(events->back().record.causation_id == "ChargePoints");
}

TEST_CASE("Idempotency keys replay the first answer and refuse reuse", "[commands][idempotency]") {
  std::string dir = TempDir("commands-idem");
  UserId kim;
  {
    Harness h(dir);
    kim = h.Register("kim");
    Idempotency idem{"key-1", "POST /charge {\"amount\":100}"};
    auto first = h.Run(ChargePoints{.user_id = kim, .amount = 100}, idem);
    REQUIRE(first.reply);
    CHECK_FALSE(first.replayed);
    auto again = h.Run(ChargePoints{.user_id = kim, .amount = 100}, idem);
    REQUIRE(again.replayed);
    CHECK(*again.replayed == "ok");
    auto reused = h.Run(ChargePoints{.user_id = kim, .amount = 999}, Idempotency{"key-1", "other"});
    REQUIRE_FALSE(reused.reply);
    CHECK(reused.reply.error().code == CommandErrc::kIdempotencyKeyReused);
    // Rejections are remembered too.
    Idempotency bad{"key-2", "POST /charge {\"amount\":99999999999}"};
    auto rejected = h.Run(ChargePoints{.user_id = kim, .amount = 99'999'999'999}, bad);
    CHECK(rejected.reply.error().code == DomainErrc::kBalanceLimitExceeded);
    CHECK(*h.Run(ChargePoints{.user_id = kim, .amount = 99'999'999'999}, bad).replayed == "balance limit exceeded");
  }
  Harness h(dir);
  auto after_restart = h.Run(ChargePoints{.user_id = kim, .amount = 100}, Idempotency{"key-1", "POST /charge {\"amount\":100}"});
  REQUIRE(after_restart.replayed);
  auto balance = h.Run(ChargePoints{.user_id = kim, .amount = 1});
  CHECK(std::get<BalanceReply>(*balance.reply).balance == 101);  // charged once, not twice
}

TEST_CASE("Concurrent submitters never lose an update or pass the limit", "[commands][concurrency]") {
  Harness h(TempDir("commands-concurrent"), 100'000);
  UserId kim = h.Register("kim");
  std::atomic<int> ok{0}, limited{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto o = h.Run(ChargePoints{.user_id = kim, .amount = 150});
        if (o.reply) {
          ++ok;
        } else {
          REQUIRE(o.reply.error().code == DomainErrc::kBalanceLimitExceeded);
          ++limited;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 100'000 / 150);  // 666 fit under the limit
  CHECK(limited == 800 - 666);
  auto last = h.Run(ChargePoints{.user_id = kim, .amount = 100'000 - 666 * 150});
  REQUIRE(last.reply);
  CHECK(std::get<BalanceReply>(*last.reply).balance == 100'000);
}

TEST_CASE("A second request with a key in flight is told so", "[commands][idempotency]") {
  Harness h(TempDir("commands-in-flight"));
  UserId kim = h.Register("kim");
  // Many submissions of one key at once: exactly one does the work; the rest
  // either see it in progress or get its stored answer.
  std::vector<std::future<Outcome>> futures;
  std::vector<std::promise<Outcome>> promises(32);
  for (auto& p : promises) {
    futures.push_back(p.get_future());
    h.processor->Submit(ChargePoints{.user_id = kim, .amount = 7}, Idempotency{"same", "body"},
                        [](const Result<Reply>&) { return std::string("stored"); },
                        [&p](Outcome o) { p.set_value(std::move(o)); });
  }
  int fresh = 0, replayed = 0, in_progress = 0;
  for (auto& f : futures) {
    auto o = f.get();
    if (o.replayed) ++replayed;
    else if (o.reply) ++fresh;
    else if (o.reply.error().code == CommandErrc::kRequestInProgress) ++in_progress;
  }
  CHECK(fresh == 1);
  CHECK(fresh + replayed + in_progress == 32);
  auto balance = h.Run(ChargePoints{.user_id = kim, .amount = 1});
  CHECK(std::get<BalanceReply>(*balance.reply).balance == 8);
}
