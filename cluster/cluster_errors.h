// cluster/cluster_errors.h
// Failures of the cluster's coordination (etcd) and of leadership.
#pragma once

#include <system_error>

namespace eventmart {

enum class ClusterErrc {
  kUnavailable = 1,  // no etcd endpoint answered (network, timeout, etcd down)
  kBadResponse,      // etcd answered something this client cannot read
  kFenced,           // the guard failed: this node is no longer the leader it was
  kNotLeader,        // this node is not the leader now
  kBehind,           // the committed log's entries this node needs are gone from etcd
  kInvalidConfig,    // --peers or --etcd-endpoints cannot be used
};

const std::error_category& ClusterCategory();

inline std::error_code make_error_code(ClusterErrc e) { return {static_cast<int>(e), ClusterCategory()}; }

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::ClusterErrc> : std::true_type {};
