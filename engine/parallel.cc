#include "engine/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace certplan {

void run_parallel(std::size_t count, std::size_t parallelism,
                  const std::function<void(std::size_t)>& work) {
  if (count == 0) return;
  const std::size_t threads = std::clamp<std::size_t>(parallelism, 1, count);

  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;

  auto worker = [&] {
    while (!stop.load()) {
      const std::size_t index = next.fetch_add(1);
      if (index >= count) return;
      try {
        work(index);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        stop.store(true);
      }
    }
  };

  {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) pool.emplace_back(worker);
  }  // jthread joins here

  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace certplan
