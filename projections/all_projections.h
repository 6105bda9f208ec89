// projections/all_projections.h
// Every read model the service keeps, in one list (serve, tests and
// rebuilds use the same one).
#pragma once

#include <memory>
#include <vector>

#include "commands/clock.h"
#include "projections/balance_projection.h"
#include "projections/best_seller_projection.h"
#include "projections/cart_projection.h"
#include "projections/catalog_projection.h"
#include "projections/coupon_projection.h"
#include "projections/order_projection.h"

namespace eventmart {

// `ranking` is the best sellers' in-memory state, shared with the queries.
inline std::vector<std::unique_ptr<Projection>> AllProjections(std::shared_ptr<SalesRanking> ranking, TimeMs now_ms) {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<BalanceProjection>());
  out.push_back(std::make_unique<CatalogProjection>());
  out.push_back(std::make_unique<CouponProjection>());
  out.push_back(std::make_unique<CartProjection>());
  out.push_back(std::make_unique<OrderProjection>());
  out.push_back(std::make_unique<BestSellerProjection>(std::move(ranking), now_ms));
  return out;
}

// Fresh instances by name, for online rebuilds (a rebuilt best-seller
// ranking starts empty and takes the live one's place when it swaps in).
inline ProjectionFactory AllProjectionsFactory(const Clock& clock) {
  return [&clock](std::string_view name) -> std::unique_ptr<Projection> {
    for (auto& p : AllProjections(std::make_shared<SalesRanking>(), clock.NowMs())) {
      if (p->name() == name) return std::move(p);
    }
    return nullptr;
  };
}

}  // namespace eventmart
