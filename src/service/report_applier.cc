#include "service/report_applier.h"

#include "common/prom_metrics.h"

namespace openecs {

ReportApplier::ReportApplier(Handle apply)
    : BatchQueue(
          kMaxObservations, [](const HostReport& r) { return r.obs.size(); },
          [apply = std::move(apply)](const std::vector<HostReport>& batch) {
            static HistogramFamily& sizes = DefaultMetrics().Histogram(
                "openecs_agent_reports_per_apply",
                "Host agents' reports the server applied together in one state change.", {},
                {1, 2, 4, 8, 16, 32, 64, 128, 256});
            sizes.Observe({}, static_cast<double>(batch.size()));
            return apply(batch);
          }) {}

}  // namespace openecs
