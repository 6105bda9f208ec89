// api/render.h
// The JSON shapes of the contract, one function per view.
#pragma once

#include "api/json_io.h"
#include "domain/views.h"

namespace eventmart {

Json ProductJson(const ProductView& product, bool with_options);
Json CouponJson(const CouponView& coupon);
Json UserCouponJson(const UserCouponView& held);
Json CartJson(const CartView& cart);
Json OrderJson(const OrderView& order);
Json PaymentJson(const PaymentView& payment);
// null when never
Json TimeOrNull(TimeMs ms);

}  // namespace eventmart
