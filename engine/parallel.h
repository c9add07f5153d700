#pragma once

// A bounded pool of threads for independent per-item work (one server, one
// domain): refresh, issue and the host transactions use it.

#include <cstddef>
#include <functional>

namespace certplan {

// Calls `work(i)` for every i in [0, count) on at most `parallelism` threads
// at once and returns when all calls have returned. An exception thrown by a
// call stops the start of further calls and is rethrown here after every
// running call has finished (the first one, when several throw).
void run_parallel(std::size_t count, std::size_t parallelism,
                  const std::function<void(std::size_t)>& work);

}  // namespace certplan
