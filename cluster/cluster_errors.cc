#include "cluster/cluster_errors.h"

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& ClusterCategory() {
  static const CodeCategory<ClusterErrc> category("eventmart.cluster", {
      {ClusterErrc::kUnavailable, "etcd unavailable"},
      {ClusterErrc::kBadResponse, "unexpected answer from etcd"},
      {ClusterErrc::kFenced, "leadership lost (fenced)"},
      {ClusterErrc::kNotLeader, "not the cluster leader"},
      {ClusterErrc::kBehind, "committed batches this node needs are no longer in etcd"},
      {ClusterErrc::kInvalidConfig, "invalid cluster configuration"}});
  return category;
}

}  // namespace eventmart
