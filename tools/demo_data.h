// tools/demo_data.h
// A small, browsable data set for `serve --demo` on an empty store.
#pragma once

#include "commands/command_processor.h"

namespace eventmart::cli {

// Decides each demo command through the processor and waits for it.
[[nodiscard]] Result<void> SeedDemoData(CommandProcessor& processor, TimeMs now_ms);

// Submits one command and blocks until it is durable.
[[nodiscard]] Result<Reply> SubmitAndWait(CommandProcessor& processor, Command command);

}  // namespace eventmart::cli
