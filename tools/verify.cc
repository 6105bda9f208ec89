// eventmart verify: folds the whole log and checks every invariant the
// service promises -- positions and versions without gaps, no balance below
// zero or over its limit, no stock below zero, no coupon beyond its quantity
// or twice to one user, coupons and orders moving only the ways they may
// (every order ends one way) -- then compares the read models with a fresh
// fold at the same position. Prints each violation with its position and
// stream; exit 1 if there is any.
#include <rocksdb/db.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "commands/clock.h"
#include "domain/coupon.h"
#include "domain/order.h"
#include "eventstore/codec.h"
#include "eventstore/envelope.h"
#include "eventstore/rocks_event_store.h"
#include "eventstore/scan_events.h"
#include "projections/all_projections.h"
#include "projections/read_model_format.h"
#include "projections/projector.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

class Checker {
 public:
  explicit Checker(Money max_balance) : max_balance_(max_balance) {}

  void Check(const RecordedEventView& view, const DomainEvent& event) {
    view_ = &view;
    std::visit([this](const auto& e) { On(e); }, event);
  }

  void Report(const RecordedEventView& view, const std::string& what) {
    ++violations_;
    if (violations_ <= 100) {
      std::printf("position %llu stream %s: %s\n", static_cast<unsigned long long>(view.position),
                  std::string(view.stream).c_str(), what.c_str());
    }
  }
  std::uint64_t violations() const { return violations_; }

 private:
  void Fail(const std::string& what) { Report(*view_, what); }
  template <class T>
  static std::string S(T v) { return std::to_string(v); }

  void On(const UserRegistered& e) {
    if (!users_.insert(e.user_id).second) Fail("user " + S(e.user_id) + " registered twice");
    if (e.subject.empty()) return;
    // Length-prefixed, so no (issuer, subject) pair spells another's key.
    std::string key = S(e.issuer.size()) + ":" + e.issuer + e.subject;
    auto [bound, fresh] = subjects_.emplace(std::move(key), e.user_id);
    if (!fresh) Fail("subject '" + e.subject + "' of '" + e.issuer + "' bound to users " + S(bound->second) + " and " + S(e.user_id));
  }
  void On(const PointsCharged& e) {
    Money& balance = balances_[e.user_id];
    if (!users_.contains(e.user_id)) Fail("charge for unknown user " + S(e.user_id));
    if (e.amount < 1) Fail("charge of " + S(e.amount));
    if (e.balance_after != balance + e.amount) Fail("balance " + S(balance) + " + " + S(e.amount) + " recorded as " + S(e.balance_after));
    if (e.balance_after > max_balance_) Fail("balance " + S(e.balance_after) + " over the limit " + S(max_balance_));
    balance = e.balance_after;
  }
  void On(const PointsSpent& e) {
    Money& balance = balances_[e.user_id];
    if (e.balance_after != balance - e.amount) Fail("balance " + S(balance) + " - " + S(e.amount) + " recorded as " + S(e.balance_after));
    if (e.balance_after < 0) Fail("balance below zero: " + S(e.balance_after));
    auto order = orders_.find(e.order_id);
    if (order == orders_.end() || order->second.pay_amount != e.amount) Fail("payment does not match order " + S(e.order_id));
    balance = e.balance_after;
  }
  void On(const ProductCreated& e) {
    for (const auto& o : e.options) {
      if (!stock_.emplace(o.option_id, o.stock).second) Fail("option id " + S(o.option_id) + " used twice");
      if (o.stock < 0) Fail("option " + S(o.option_id) + " created with stock " + S(o.stock));
    }
  }
  void Stock(OptionId option, Quantity delta, Quantity after) {
    Quantity& stock = stock_[option];
    if (stock + delta != after) Fail("stock of option " + S(option) + ": " + S(stock) + " + " + S(delta) + " recorded as " + S(after));
    if (after < 0) Fail("stock of option " + S(option) + " below zero: " + S(after));
    stock = after;
  }
  void On(const ProductStatusChanged& e) {
    if (e.status == ProductStatus::kStopped) {
      stopped_.insert(e.product_id);
    } else {
      stopped_.erase(e.product_id);
    }
  }
  void On(const StockRestocked& e) { Stock(e.option_id, e.quantity, e.stock_after); }
  void On(const StockReserved& e) { Stock(e.option_id, -e.quantity, e.stock_after); }
  void On(const StockReleased& e) { Stock(e.option_id, e.quantity, e.stock_after); }
  void On(const CouponCreated& e) { Evolve(coupons_[e.coupon_id], e); }
  void On(const CouponIssued& e) {
    last_issued_ = e;
    last_issued_position_ = view_->position;
    CouponState& c = coupons_[e.coupon_id];
    if (c.holders.contains(e.user_id)) Fail("coupon " + S(e.coupon_id) + " issued twice to user " + S(e.user_id));
    if (c.issued + 1 > c.total_quantity) Fail("coupon " + S(e.coupon_id) + " issued beyond its quantity " + S(c.total_quantity));
    if (e.remaining_after != c.total_quantity - c.issued - 1) Fail("coupon " + S(e.coupon_id) + " remaining recorded as " + S(e.remaining_after));
    if (!IsIssuable(c, e.issued_at_ms)) Fail("coupon " + S(e.coupon_id) + " issued outside its window or while paused");
    Evolve(c, e);
  }
  void Held(CouponId coupon, UserId user, HeldStatus from, const char* what) {
    auto& holders = coupons_[coupon].holders;
    auto it = holders.find(user);
    if (it == holders.end() || it->second.status != from) Fail(std::string("coupon ") + S(coupon) + " " + what + " from the wrong state");
  }
  void On(const CouponReserved& e) { Held(e.coupon_id, e.user_id, HeldStatus::kIssued, "reserved"); Evolve(coupons_[e.coupon_id], e); }
  void On(const CouponUsed& e) { Held(e.coupon_id, e.user_id, HeldStatus::kReserved, "used"); Evolve(coupons_[e.coupon_id], e); }
  void On(const CouponReleased& e) { Held(e.coupon_id, e.user_id, HeldStatus::kReserved, "released"); Evolve(coupons_[e.coupon_id], e); }
  void On(const CouponPaused& e) { Evolve(coupons_[e.coupon_id], e); }
  void On(const CouponResumed& e) { Evolve(coupons_[e.coupon_id], e); }
  void On(const CartItemAdded& e) {
    if (stopped_.contains(e.product_id)) Fail("stopped product " + S(e.product_id) + " put in a cart");
  }
  void On(const CartItemRemoved&) {}
  // A product-bound coupon discounts only the lines it covers, exactly as
  // its terms say; an order with a coupon has at least one such line.
  void CheckDiscount(const OrderPlaced& e) {
    auto it = coupons_.find(e.coupon_id);
    if (it == coupons_.end()) return Fail("order " + S(e.order_id) + " names unknown coupon " + S(e.coupon_id));
    const CouponState& c = it->second;
    CouponToApply terms{.coupon_id = e.coupon_id, .user_coupon_id = e.user_coupon_id, .type = c.type,
                        .value = c.value, .product_ids = c.product_ids};
    Money covered = 0;
    bool any = false;
    for (const auto& l : e.lines) {
      if (!terms.Covers(l.product_id)) continue;
      covered += l.amount;
      any = true;
    }
    if (!any) Fail("order " + S(e.order_id) + " uses coupon " + S(e.coupon_id) + " on no line it covers");
    if (e.discount_amount != DiscountFor(c.type, c.value, covered)) {
      Fail("order " + S(e.order_id) + " discount " + S(e.discount_amount) + " is not coupon " + S(e.coupon_id) +
           "'s on the lines it covers (" + S(covered) + ")");
    }
  }
  void On(const OrderPlaced& e) {
    if (orders_.contains(e.order_id)) Fail("order " + S(e.order_id) + " placed twice");
    Money total = 0;
    for (const auto& l : e.lines) total += l.amount;
    if (total != e.total_amount || e.pay_amount != e.total_amount - e.discount_amount || e.discount_amount < 0) {
      Fail("order " + S(e.order_id) + " amounts do not add up");
    }
    for (const auto& l : e.lines) {
      if (stopped_.contains(l.product_id)) Fail("order " + S(e.order_id) + " has a line of stopped product " + S(l.product_id));
    }
    if (e.coupon_id != 0) CheckDiscount(e);
    Evolve(orders_[e.order_id], e);
  }
  template <class Ended>
  void End(OrderId id, const Ended& e, const char* how) {
    auto it = orders_.find(id);
    if (it == orders_.end()) return Fail(std::string("unknown order ") + S(id) + " " + how);
    if (it->second.status != OrderStatus::kNotPaid) {
      Fail("order " + S(id) + " " + how + " after it was " + std::string(OrderStatusName(it->second.status)));
    }
    Evolve(it->second, e);
  }
  // The waiting room: a request for a coupon and a user that exist, decided
  // once, in arrival order; an ISSUED decision comes with its CouponIssued
  // (the event just before it, in the same append); a rejection's code
  // matches the coupon's state when it was decided.
  void On(const CouponRequested& e) {
    if (!coupons_.contains(e.coupon_id)) Fail("request " + S(e.request_id) + " for unknown coupon " + S(e.coupon_id));
    if (!users_.contains(e.user_id)) Fail("request " + S(e.request_id) + " for unknown user " + S(e.user_id));
    if (!requests_.emplace(e.request_id, false).second) Fail("coupon request " + S(e.request_id) + " recorded twice");
  }
  void On(const CouponRequestDecided& e) {
    auto it = requests_.find(e.request_id);
    if (it == requests_.end()) return Fail("unknown coupon request " + S(e.request_id) + " decided");
    if (it->second) Fail("coupon request " + S(e.request_id) + " decided twice");
    it->second = true;
    if (e.request_id <= last_decided_) {
      Fail("coupon request " + S(e.request_id) + " decided after request " + S(last_decided_) + ": not in arrival order");
    }
    last_decided_ = e.request_id;
    if (e.status == CouponRequestStatus::kIssued) {
      bool paired = last_issued_ && last_issued_position_ + 1 == view_->position &&
                    last_issued_->coupon_id == e.coupon_id && last_issued_->user_id == e.user_id &&
                    last_issued_->user_coupon_id == e.user_coupon_id;
      if (!paired) Fail("coupon request " + S(e.request_id) + " ISSUED without its CouponIssued just before it");
      return;
    }
    const CouponState& c = coupons_[e.coupon_id];
    if (e.code == "COUPON_SOLD_OUT" && c.issued < c.total_quantity) {
      Fail("coupon request " + S(e.request_id) + " rejected as sold out with " + S(c.total_quantity - c.issued) + " left");
    }
    if (e.code == "COUPON_ALREADY_ISSUED" && !c.holders.contains(e.user_id)) {
      Fail("coupon request " + S(e.request_id) + " rejected as already issued to a user who holds none");
    }
    if (e.code.empty()) Fail("coupon request " + S(e.request_id) + " rejected without a code");
  }
  void On(const OrderPaid& e) { End(e.order_id, e, "paid"); }
  void On(const OrderCancelled& e) { End(e.order_id, e, "cancelled"); }
  void On(const OrderExpired& e) { End(e.order_id, e, "expired"); }

  Money max_balance_;
  const RecordedEventView* view_ = nullptr;
  std::uint64_t violations_ = 0;
  std::unordered_set<UserId> users_;
  std::unordered_map<std::string, UserId> subjects_;  // (issuer, subject) -> the one user bound to it
  std::unordered_map<UserId, Money> balances_;
  std::unordered_map<OptionId, Quantity> stock_;
  std::unordered_map<CouponId, CouponState> coupons_;
  std::unordered_map<OrderId, OrderState> orders_;
  std::unordered_set<ProductId> stopped_;
  std::unordered_map<CouponRequestId, bool> requests_;  // decided yet?
  CouponRequestId last_decided_ = 0;
  std::optional<CouponIssued> last_issued_;
  GlobalPosition last_issued_position_ = 0;
};

// Compares the live read models with a fresh fold up to the live checkpoint.
std::uint64_t CompareReadModels(const RocksEventStore& store, const std::string& views_dir, std::uint64_t* compared) {
  auto live = ReadModelStore::OpenReader(views_dir);
  if (!live) {
    std::fprintf(stderr, "verify: no read models to compare (%s)\n", live.error().Describe().c_str());
    return 0;
  }
  GlobalPosition at = ~GlobalPosition{0};
  for (const auto& p : AllProjections(std::make_shared<SalesRanking>(), 0)) {
    auto stored = (*live)->Get(Projector::CheckpointKey(p->name()));
    if (!stored) {
      std::printf("read models: cannot read the checkpoint of %s: %s\n", std::string(p->name()).c_str(),
                  stored.error().Describe().c_str());
      return 1;
    }
    at = std::min<GlobalPosition>(at, *stored && (*stored)->size() == 8 ? DecodeFixed64BE((*stored)->data()) : 0);
    // Read models an older build stored in another format are rebuilt by
    // the next start; a fresh fold in today's format would differ from them
    // everywhere.
    auto format = StoredFormat(**live, p->name());
    if (format && *format != p->format_version()) {
      std::printf("read models: %s is in format %u, this build's is %u (rebuilt at the next start): not compared\n",
                  std::string(p->name()).c_str(), *format, p->format_version());
      return 0;
    }
  }
  std::string fresh_dir = (std::filesystem::temp_directory_path() / "eventmart-verify-XXXXXX").string();
  if (mkdtemp(fresh_dir.data()) == nullptr) return 0;
  std::uint64_t differences = 0;
  {
    auto fresh = ReadModelStore::Open(fresh_dir);
    if (!fresh) return 0;
    Projector projector(store, **fresh, AllProjections(std::make_shared<SalesRanking>(), SystemClock().NowMs()));
    if (auto folded = projector.CatchUp({}, at); !folded) {
      std::printf("read models: fresh fold failed: %s\n", folded.error().Describe().c_str());
      return 1;
    }
    std::unique_ptr<rocksdb::Iterator> a((*live)->db()->NewIterator(rocksdb::ReadOptions()));
    std::unique_ptr<rocksdb::Iterator> b((*fresh)->db()->NewIterator(rocksdb::ReadOptions()));
    a->SeekToFirst();
    b->SeekToFirst();
    auto report = [&](const std::string& what, const rocksdb::Slice& key) {
      if (++differences <= 20) {
        std::printf("read model key %s: %s\n", PrintableKey(key.ToStringView()).c_str(), what.c_str());
      }
    };
    while (a->Valid() || b->Valid()) {
      int order = !a->Valid() ? 1 : !b->Valid() ? -1 : a->key().compare(b->key());
      if (order == 0) {
        if (!a->key().starts_with("~") && a->value() != b->value()) report("differs from a fresh fold", a->key());
        ++*compared;
        a->Next();
        b->Next();
      } else if (order < 0) {
        if (!a->key().starts_with("~")) report("is in the live read model only", a->key());
        a->Next();
      } else {
        if (!b->key().starts_with("~")) report("is missing from the live read model", b->key());
        b->Next();
      }
    }
    for (const auto* it : {a.get(), b.get()}) {
      if (!it->status().ok()) {
        std::printf("read models: a read failed: %s\n", it->status().ToString().c_str());
        ++differences;
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(fresh_dir, ec);
  std::printf("read models: compared %llu keys at position %llu, %llu differences\n",
              static_cast<unsigned long long>(*compared), static_cast<unsigned long long>(at),
              static_cast<unsigned long long>(differences));
  return differences;
}

}  // namespace

int Verify(const VerifyOptions& o) {
  auto store = RocksEventStore::OpenReader(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart verify: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  Checker checker(o.max_balance);
  std::map<std::string, StreamVersion, std::less<>> versions;
  GlobalPosition expected = 1, head = (*store)->LastPosition();
  auto start = std::chrono::steady_clock::now(), last = start;
  // Order is checked on every event, decodable or not.
  auto check_order = [&](const RecordedEventView& view) {
    if (view.position != expected) checker.Report(view, "position gap: expected " + std::to_string(expected));
    expected = view.position + 1;
    auto it = versions.find(view.stream);
    StreamVersion previous = it == versions.end() ? 0 : it->second;
    if (view.version != previous + 1) checker.Report(view, "version " + std::to_string(view.version) + " after " + std::to_string(previous));
    versions.insert_or_assign(std::string(view.stream), view.version);
  };
  auto scanned = ScanEvents(
      **store, {}, EveryEvent,
      [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
        check_order(view);
        checker.Check(view, event);
        if (auto now = std::chrono::steady_clock::now(); now - last >= std::chrono::seconds(1)) {
          last = now;
          double seconds = std::chrono::duration<double>(now - start).count();
          std::fprintf(stderr, "verify: position %llu of %llu (%.0f%%), %.0f events/s\n", static_cast<unsigned long long>(view.position),
                       static_cast<unsigned long long>(head), 100.0 * static_cast<double>(view.position) / static_cast<double>(head),
                       static_cast<double>(view.position) / seconds);
        }
        return ScanStep::kContinue;
      },
      [&](const RecordedEventView& view, const Error& cause) -> Result<ScanStep> {
        check_order(view);
        checker.Report(view, cause.Describe());  // a violation to report, not a reason to stop
        return ScanStep::kContinue;
      });
  if (!scanned) {
    std::printf("position %llu: %s\n", static_cast<unsigned long long>(expected), scanned.error().Describe().c_str());
    return kExitFailure;
  }
  std::uint64_t compared = 0;
  std::uint64_t differences = o.skip_read_models ? 0 : CompareReadModels(**store, o.data_dir + "/views", &compared);
  std::uint64_t total = checker.violations() + differences;
  std::printf("verify: %llu events in %zu streams, %llu violations, %llu read-model differences\n",
              static_cast<unsigned long long>(expected - 1), versions.size(),
              static_cast<unsigned long long>(checker.violations()), static_cast<unsigned long long>(differences));
  return total == 0 ? kExitOk : kExitFailure;
}

}  // namespace eventmart::cli
