#include "service/report_applier.h"

#include "common/log.h"
#include "common/prom_metrics.h"

namespace openecs {

ReportApplier::ReportApplier(Apply apply) : apply_(std::move(apply)) {
  applier_ = std::thread([this] { Loop(); });
}

ReportApplier::~ReportApplier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  applier_.join();
}

void ReportApplier::Post(Report report) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(report));
  }
  cv_.notify_all();
}

void ReportApplier::Loop() {
  static HistogramFamily& sizes = DefaultMetrics().Histogram(
      "openecs_agent_reports_per_apply",
      "Host agents' reports the server applied together in one state change.", {},
      {1, 2, 4, 8, 16, 32, 64, 128, 256});
  for (;;) {
    std::vector<Report> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopped, and everything applied
      size_t count = 0;
      while (!queue_.empty() &&
             (batch.empty() || count + queue_.front().obs.size() <= kMaxObservations)) {
        count += queue_.front().obs.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Status> results = apply_(batch);
    if (results.size() != batch.size()) {  // a bug in `apply`: nobody is left unanswered
      LOG_ERROR("applying {} reports gave {} answers", batch.size(), results.size());
      results.resize(batch.size(), MakeError(ErrorCode::kInternalError, "report not applied"));
    }
    sizes.Observe({}, static_cast<double>(batch.size()));
    for (size_t k = 0; k < batch.size(); ++k)
      if (batch[k].done) batch[k].done(results[k]);
  }
}

}  // namespace openecs
