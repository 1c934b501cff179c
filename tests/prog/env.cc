// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The one registration of the prog tests' global environment.
#include "prog/fixture.h"

namespace xtp {
::testing::Environment *const netns_env = ::testing::AddGlobalTestEnvironment(new NetnsEnv);
} // namespace xtp
