// eventmart rebuild: drops read models and folds the log into them again
// (in memory, then ingested as sorted table files: projections/bulk_rebuild.h).
// Offline: it refuses to touch a store that a running server holds (the
// read-model database's lock tells); a live server rebuilds online instead
// (POST /api/v1/admin/projections/{name}/rebuild).
#include <chrono>
#include <cstdio>

#include "commands/clock.h"
#include "eventstore/rocks_event_store.h"
#include "eventstore/store_errors.h"
#include "projections/all_projections.h"
#include "projections/bulk_rebuild.h"
#include "projections/projector.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

std::vector<std::unique_ptr<Projection>> Select(const std::string& name, std::shared_ptr<SalesRanking> ranking) {
  auto all = AllProjections(std::move(ranking), SystemClock().NowMs());
  if (name == "all") return all;
  std::vector<std::unique_ptr<Projection>> chosen;
  for (auto& p : all) {
    if (p->name() == name) chosen.push_back(std::move(p));
  }
  return chosen;
}

std::string Names() {
  std::string names;
  for (const auto& p : AllProjections(std::make_shared<SalesRanking>(), 0)) {
    names += ' ';
    names += p->name();  // not " " + name: g++ 12 warns falsely (-Wrestrict) on that
  }
  return names;
}

}  // namespace

int Rebuild(const RebuildOptions& o) {
  auto projections = Select(o.projection, std::make_shared<SalesRanking>());
  if (projections.empty()) {
    std::fprintf(stderr, "eventmart rebuild: no projection '%s' (one of:%s, or all)\n", o.projection.c_str(), Names().c_str());
    return kExitUsage;
  }
  auto views = ReadModelStore::Open(o.data_dir + "/views");
  auto store = views ? RocksEventStore::Open(o.data_dir + "/events") : Fail(views.error());
  if (!views || !store) {
    const Error& e = views ? store.error() : views.error();
    if (e.code == StoreErrc::kBusy) {
      std::fprintf(stderr,
                   "eventmart rebuild: %s is in use by a running server; stop it first, or rebuild online with "
                   "POST /api/v1/admin/projections/<name>/rebuild\n", o.data_dir.c_str());
    } else {
      std::fprintf(stderr, "eventmart rebuild: %s\n", e.Describe().c_str());
    }
    return kExitFailure;
  }
  for (const auto& p : projections) {
    if (auto dropped = (*views)->DropProjection(p->name()); !dropped) {
      std::fprintf(stderr, "eventmart rebuild: %s\n", dropped.error().Describe().c_str());
      return kExitFailure;
    }
  }
  std::size_t count = projections.size();
  GlobalPosition head = (*store)->LastPosition();
  auto start = std::chrono::steady_clock::now();
  ProgressLine progress("rebuild: folding position", "events");
  BulkRebuildOptions options{.threads = 2, .progress = [&](GlobalPosition at) {
    if (at == head) {
      std::fprintf(stderr, "rebuild: folded %llu events in %.1fs; sorting and writing the tables\n",
                   static_cast<unsigned long long>(head),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      return;
    }
    progress.Update(at, head, static_cast<double>(at) / static_cast<double>(std::max<GlobalPosition>(head, 1)), at);
  }};
  auto rebuilt = BulkRebuild(**store, **views, std::move(projections), options);
  if (!rebuilt) {
    std::fprintf(stderr, "eventmart rebuild: %s\n", rebuilt.error().Describe().c_str());
    return kExitFailure;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("rebuilt %zu projection(s) to position %llu in %.1f s (%.0f events/s)\n", count,
              static_cast<unsigned long long>(*rebuilt), seconds, static_cast<double>(*rebuilt) / std::max(seconds, 1e-9));
  return kExitOk;
}

}  // namespace eventmart::cli
