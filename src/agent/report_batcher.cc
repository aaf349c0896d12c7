#include "agent/report_batcher.h"

namespace openecs {

Status ReportBatcher::Report(std::vector<Observation> obs) {
  Waiting me{std::move(obs), std::nullopt};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  cv_.wait(lock, [&] { return me.result.has_value() || (!sending_ && queue_.front() == &me); });
  if (me.result) return *me.result;
  // This caller sends: itself and whoever waits behind it, up to the limit.
  sending_ = true;
  std::vector<Waiting*> batch;
  size_t count = 0;
  while (!queue_.empty() &&
         (batch.empty() || count + queue_.front()->obs.size() <= kMaxObservations)) {
    count += queue_.front()->obs.size();
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  lock.unlock();

  std::vector<Status> results;
  if (batch.size() == 1) {
    results.push_back(send_(me.obs));
  } else {
    std::vector<Observation> all;
    all.reserve(count);
    for (const Waiting* w : batch) all.insert(all.end(), w->obs.begin(), w->obs.end());
    Status st = send_(all);
    if (st.ok()) {
      results.assign(batch.size(), st);
    } else {
      for (const Waiting* w : batch) results.push_back(send_(w->obs));
    }
  }

  lock.lock();
  for (size_t k = 0; k < batch.size(); ++k) batch[k]->result = std::move(results[k]);
  sending_ = false;
  cv_.notify_all();
  return *me.result;
}

}  // namespace openecs
