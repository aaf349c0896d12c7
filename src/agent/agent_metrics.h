#pragma once
// The host agent's own metrics for Prometheus (common/prom_metrics.h, DefaultMetrics()): how
// the agent keeps up, not how the guests fare (that is monitoring: metrics_sampler.h). Served
// by `ecsd agent --metrics-listen HOST:PORT`, and in `ecsd dev` beside the API's at /metrics.
//
//   openecs_agent_pull_duration_seconds            one pull of desired state, the long-poll
//                                                  wait included (up to the next full sync)
//   openecs_agent_pull_failures_total              pulls that failed (server away, refused)
//   openecs_agent_reconcile_lag_seconds{trigger}   from a pull bringing a changed desired state
//       (trigger "change") or a periodic full sync ("full_sync") to the end of the last guest
//       operation that pass started: network applied, guests spawned, powered, destroyed.
//       What it cannot see: a guest busy with an operation from an earlier pass is not waited
//       for (it is acted on at a later pass, measured from that pass's own pull), and long
//       jobs (snapshots, images, disk builds) are not part of a pass.
//   openecs_agent_driver_operation_duration_seconds{operation}  spawn, power_on, power_off,
//       reboot, destroy (a driver call, successful or not)
//   openecs_agent_driver_operation_failures_total{operation}    those that failed
//   openecs_agent_guests{power}                    guests the driver has, by power state
//                                                  (running, shutoff, ...), at scrape time
// QMP command latency (openecs_qmp_command_duration_seconds{command}) is recorded by the QMP
// client itself (hypervisor/qemu/qmp.h). Thread-safe, like the registry.
#include <memory>
#include <string_view>

#include "common/prom_metrics.h"
#include "common/result.h"
#include "hypervisor/driver.h"

namespace openecs::agent_metrics {

void ObservePull(double seconds, bool ok);
void ObserveDriverOp(std::string_view operation, double seconds, bool ok);

// Runs `pull` (returning a Result) and records it.
template <typename F>
auto TimedPull(F&& pull) {
  Stopwatch watch;
  auto result = pull();
  ObservePull(watch.Seconds(), result.ok());
  return result;
}

// Runs `call` (a driver call returning Status) and records it as `operation`.
template <typename F>
Status TimedDriverOp(std::string_view operation, F&& call) {
  Stopwatch watch;
  Status st = call();
  ObserveDriverOp(operation, watch.Seconds(), st.ok());
  return st;
}

// One reconcile pass: share it with every operation the pass starts (capture the shared_ptr in
// the work posted to the pool); the lag is recorded when the last reference goes.
class ReconcilePass {
 public:
  explicit ReconcilePass(bool full_sync) : full_sync_(full_sync) {}
  ~ReconcilePass();
  ReconcilePass(const ReconcilePass&) = delete;
  ReconcilePass& operator=(const ReconcilePass&) = delete;

 private:
  bool full_sync_;
  Stopwatch watch_;
};

// Call as the desired state arrives.
inline std::shared_ptr<ReconcilePass> StartPass(bool full_sync) {
  return std::make_shared<ReconcilePass>(full_sync);
}

// The guests gauge, counting `driver`'s guests while the handle lives (the driver must outlive
// it).
MetricsCallback GuestsGauge(Driver* driver);

}  // namespace openecs::agent_metrics
