#include "commands/command_processor.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "commands/command_errors.h"
#include "domain/errors.h"
#include "eventstore/codec.h"
#include "eventstore/in_memory_event_store.h"

using namespace eventmart;

namespace {

// A command processor over a log held in memory: no disk. Two harnesses on
// the same log, one after the other, are a restart.
struct Harness {
  explicit Harness(std::shared_ptr<InMemoryEventStore> log, Money max_balance = kDefaultMaxBalance)
      : store(std::move(log)) {
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

  ManualClock clock{1'700'000'000'000};
  std::shared_ptr<InMemoryEventStore> store;
  std::unique_ptr<CommandProcessor> processor;
};

}  // namespace

TEST_CASE("Users get increasing ids and charges add up", "[commands]") {
  Harness h(std::make_shared<InMemoryEventStore>());
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
  auto log = std::make_shared<InMemoryEventStore>();
  UserId kim;
  {
    Harness h(log, 5000);
    kim = h.Register("kim");
    REQUIRE(h.Run(ChargePoints{.user_id = kim, .amount = 4000}).reply);
  }
  Harness h(log, 5000);
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
  auto log = std::make_shared<InMemoryEventStore>();
  UserId kim;
  {
    Harness h(log);
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
  Harness h(log);
  auto after_restart = h.Run(ChargePoints{.user_id = kim, .amount = 100}, Idempotency{"key-1", "POST /charge {\"amount\":100}"});
  REQUIRE(after_restart.replayed);
  auto balance = h.Run(ChargePoints{.user_id = kim, .amount = 1});
  CHECK(std::get<BalanceReply>(*balance.reply).balance == 101);  // charged once, not twice
}

TEST_CASE("Concurrent submitters never lose an update or pass the limit", "[commands][concurrency]") {
  Harness h(std::make_shared<InMemoryEventStore>(), 100'000);
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
  Harness h(std::make_shared<InMemoryEventStore>());
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

SCENARIO("An unpaid order expires on the decider's clock and gives its stock back", "[commands][expiry]") {
  GIVEN("a user's unpaid order for 2 of an option that had 3") {
    auto log = std::make_shared<InMemoryEventStore>();
    Harness h(log);
    UserId kim = h.Register("kim");
    auto created = h.Run(CreateProduct{NewProduct{"Mug", {{"Red", 1000, 3}}}});
    REQUIRE(created.reply);
    ProductId mug = std::get<ProductView>(*created.reply).product_id;
    auto placed = h.Run(PlaceOrder{.user_id = kim, .items = {{.product_id = mug, .option_id = std::nullopt, .quantity = 2}},
                                   .coupon_id = std::nullopt, .pay = false});
    REQUIRE(placed.reply);
    OrderId order = std::get<OrderView>(*placed.reply).order_id;

    WHEN("its five minutes pass") {
      h.clock.Advance(5 * 60 * 1000);
      h.processor->Wake();
      THEN("the decider records the expiry, the stock is back to 3, and paying is refused") {
        std::string stream = "order-" + std::to_string(order);
        bool expired = false;
        for (int i = 0; i < 400 && !expired; ++i) {
          auto events = log->ReadStream(stream, 1, 10);
          REQUIRE(events);
          expired = events->size() == 2 && events->back().record.type == OrderExpired::kType;
          if (!expired) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        REQUIRE(expired);
        auto stock = log->ReadStream("product-" + std::to_string(mug), 1, 10);
        REQUIRE(stock);
        const EventRecord& last = stock->back().record;
        auto released = DecodeEvent(last.type, last.schema_version, last.body);
        REQUIRE(released);
        CHECK(std::get<StockReleased>(*released).stock_after == 3);
        auto pay = h.Run(PayOrder{.order_id = order, .user_id = kim});
        REQUIRE_FALSE(pay.reply);
        CHECK(pay.reply.error().code == DomainErrc::kOrderNotPayable);
      }
    }
  }
}

TEST_CASE("Waiting-room requests are decided in arrival order, and those left pending by a crash at start",
          "[commands][waitingroom]") {
  auto log = std::make_shared<InMemoryEventStore>();
  CouponId coupon = 0;
  UserId kim = 0, lee = 0;
  {
    Harness h(log);
    kim = h.Register("kim");
    lee = h.Register("lee");
    auto created = h.Run(CreateCoupon{NewCoupon{.name = "one", .type = DiscountType::kFixed, .value = 100,
                                                .total_quantity = 1}});
    REQUIRE(created.reply);
    coupon = std::get<CouponView>(*created.reply).coupon_id;
    // When kim and lee ask in that order, each request is answered pending and decided right after
    auto first = h.Run(RequestCoupon{.coupon_id = coupon, .user_id = kim});
    REQUIRE(first.reply);
    CHECK(std::get<CouponRequestReply>(*first.reply).request_id == 1);
    REQUIRE(h.Run(RequestCoupon{.coupon_id = coupon, .user_id = lee}).reply);
    h.processor->Stop();
    // The second decision was appended after lee's answer: wait for its commit.
    REQUIRE(h.store->WaitForPosition(8, std::chrono::seconds(10)));
    auto events = h.store->ReadAll(1, 100);
    REQUIRE(events);
    std::vector<std::string> types;
    for (const auto& e : *events) types.push_back(e.record.type);
    CHECK(types == std::vector<std::string>{"user.UserRegistered", "user.UserRegistered", "coupon.CouponCreated",
                                            "couponRequest.CouponRequested", "coupon.CouponIssued",
                                            "couponRequest.CouponRequestDecided", "couponRequest.CouponRequested",
                                            "couponRequest.CouponRequestDecided"});
  }
  // Given a log that ends with a request and no decision (the server died between the two appends)
  REQUIRE(log->Append({.streams = {{.stream = "couponRequest-3",
                                    .expected = ExpectedVersion::NoStream(),
                                    .events = {EncodeEvent(CouponRequested{.request_id = 3, .coupon_id = coupon,
                                                                           .user_id = kim, .requested_at_ms = 1},
                                                           {})}}}}));
  GlobalPosition before = log->LastPosition();
  // When the processor starts on it, the request is decided before anything else
  Harness restarted(log);
  auto later = restarted.Run(RequestCoupon{.coupon_id = coupon, .user_id = lee});
  REQUIRE(later.reply);
  CHECK(std::get<CouponRequestReply>(*later.reply).request_id == 4);
  restarted.processor->Stop();
  REQUIRE(log->WaitForPosition(before + 3, std::chrono::seconds(10)));
  auto tail = log->ReadAll(before + 1, 100);
  REQUIRE(tail);
  REQUIRE(tail->size() == 3);
  auto decided = DecodeEvent(tail->at(0).record.type, tail->at(0).record.schema_version, tail->at(0).record.body);
  REQUIRE(decided);
  CHECK(std::get<CouponRequestDecided>(*decided).request_id == 3);
  CHECK(std::get<CouponRequestDecided>(*decided).code == "COUPON_ALREADY_ISSUED");
  CHECK(tail->at(1).record.type == "couponRequest.CouponRequested");
  CHECK(tail->at(2).record.type == "couponRequest.CouponRequestDecided");
}

namespace {

// A log that holds its answers to appends until the test lets them go, as a
// slow disk would: the appends reach the log in memory only then.
class HeldAnswersLog final : public EventStore {
 public:
  void AppendAsync(AppendRequest request, AppendCallback done) override {
    std::lock_guard lock(mu_);
    held_.emplace_back(std::move(request), std::move(done));
  }
  std::size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Appends what was held, and answers each as the log does.
  void Release() {
    std::vector<std::pair<AppendRequest, AppendCallback>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& [request, done] : held) done(log_.Append(std::move(request)));
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, StreamVersion from,
                                                std::size_t limit) const override {
    return log_.ReadStream(stream, from, limit);
  }
  Result<std::size_t> Scan(const ScanOptions& options, const ScanVisitor& visit) const override {
    return log_.Scan(options, visit);
  }
  GlobalPosition LastPosition() const override { return log_.LastPosition(); }
  bool WaitForPosition(GlobalPosition position, std::chrono::milliseconds timeout) const override {
    return log_.WaitForPosition(position, timeout);
  }
  Result<std::optional<AppendResult>> FindCommand(std::string_view command_id) const override {
    return log_.FindCommand(command_id);
  }

 private:
  InMemoryEventStore log_;
  std::mutex mu_;
  std::vector<std::pair<AppendRequest, AppendCallback>> held_;
};

}  // namespace

TEST_CASE("An append answered after its processor is gone still answers its command, touching nothing freed",
          "[commands]") {
  HeldAnswersLog log;
  ManualClock clock{1'700'000'000'000};
  std::promise<Outcome> answered;
  {
    // Given a processor whose command is decided and handed to the log
    CommandProcessor processor(log, clock, {});
    REQUIRE(processor.Start());
    processor.Submit(RegisterUser{"kim"}, Idempotency{.key = "first", .request = "{}"},
                     [](const Result<Reply>& r) { return r ? std::string("ok") : r.error().code.message(); },
                     [&answered](Outcome o) { answered.set_value(std::move(o)); });
    for (int i = 0; i < 2000 && log.held() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(log.held() == 1);
    // When the processor is stopped and destroyed before the log answers
  }
  log.Release();
  // Then the command gets its answer (under ASan: with nothing freed touched)
  auto outcome = answered.get_future().get();
  REQUIRE(outcome.reply);
  CHECK(std::holds_alternative<UserReply>(*outcome.reply));
  CHECK(log.LastPosition() == 1);
}
