#include "agent/report_batcher.h"

namespace openecs {

ReportBatcher::ReportBatcher(Send send) : send_(std::move(send)) {
  sender_ = std::thread([this] { Loop(); });
}

ReportBatcher::~ReportBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  sender_.join();
}

void ReportBatcher::Post(std::vector<Observation> obs, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({std::move(obs), std::move(done)});
  }
  cv_.notify_all();
}

void ReportBatcher::Loop() {
  for (;;) {
    std::vector<Entry> batch;
    size_t count = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopped, and everything sent
      while (!queue_.empty() &&
             (batch.empty() || count + queue_.front().obs.size() <= kMaxObservations)) {
        count += queue_.front().obs.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Status> results;
    if (batch.size() == 1) {
      results.push_back(send_(batch[0].obs));
    } else {
      std::vector<Observation> all;
      all.reserve(count);
      for (const Entry& e : batch) all.insert(all.end(), e.obs.begin(), e.obs.end());
      Status st = send_(all);
      if (st.ok()) {
        results.assign(batch.size(), st);
      } else {
        for (const Entry& e : batch) results.push_back(send_(e.obs));
      }
    }
    for (size_t k = 0; k < batch.size(); ++k)
      if (batch[k].done) batch[k].done(results[k]);
  }
}

}  // namespace openecs
