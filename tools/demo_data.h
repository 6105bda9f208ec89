// tools/demo_data.h
// A small, browsable data set for `serve --demo` on an empty store.
#pragma once

#include "commands/command_processor.h"

namespace eventmart::cli {

// Seeds an empty store before the service starts: users with points, a
// catalog, coupons, and paid orders over the three days before `now_ms`
// (decided by a processor of its own whose clock walks through those days).
[[nodiscard]] Result<void> SeedDemoData(EventStore& store, TimeMs now_ms, const CommandProcessorOptions& options);

// Submits one command and blocks until it is durable.
[[nodiscard]] Result<Reply> SubmitAndWait(CommandProcessor& processor, Command command);

}  // namespace eventmart::cli
