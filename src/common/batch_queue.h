#pragma once
// Items posted by any thread, handed in batches to one thread of the queue's own: what is posted
// while a batch is handled makes the next one. For work whose cost is per call rather than per
// item (a store commit, a round trip to the server): a host agent's reports
// (agent/report_batcher.h) and the server applying every host's reports
// (service/report_applier.h).
//
// The contract:
// - Post(item, done) returns at once. `done` (if any) is called once, on the queue's thread,
//   with the item's own status, after the batch it was in was handled.
// - A batch is whole items in the order posted, weighing at most `max_weight` in all (`weight`
//   of each); an item heavier than that is a batch alone. An idle queue hands an item over at
//   once: nothing waits for a batch to fill.
// - `handle` gets a batch and returns one status per item, in order. Fewer is a bug in it: the
//   items left are answered with an internal error, never left waiting.
// - The destructor handles what is queued, then stops the thread; `handle` must stay usable
//   until it returns.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/result.h"

namespace openecs {

template <typename Item>
class BatchQueue {
 public:
  using Done = std::function<void(const Status&)>;
  using Handle = std::function<std::vector<Status>(const std::vector<Item>&)>;
  using Weight = std::function<size_t(const Item&)>;

  BatchQueue(size_t max_weight, Weight weight, Handle handle)
      : max_weight_(max_weight), weight_(std::move(weight)), handle_(std::move(handle)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~BatchQueue() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  void Post(Item item, Done done = {}) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(item), std::move(done));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    for (;;) {
      std::vector<Item> batch;
      std::vector<Done> dones;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopped, and everything handled
        size_t weight = 0;
        while (!queue_.empty()) {
          size_t w = weight_(queue_.front().first);
          if (!batch.empty() && weight + w > max_weight_) break;
          weight += w;
          batch.push_back(std::move(queue_.front().first));
          dones.push_back(std::move(queue_.front().second));
          queue_.pop_front();
        }
      }
      std::vector<Status> results = handle_(batch);
      if (results.size() < batch.size())
        results.resize(batch.size(), MakeError(ErrorCode::kInternalError, "not handled"));
      for (size_t k = 0; k < batch.size(); ++k)
        if (dones[k]) dones[k](results[k]);
    }
  }

  const size_t max_weight_;
  const Weight weight_;
  const Handle handle_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<std::pair<Item, Done>> queue_;
  std::thread thread_;
};

}  // namespace openecs
