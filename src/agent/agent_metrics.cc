#include "agent/agent_metrics.h"

#include <map>
#include <string>

namespace openecs::agent_metrics {
namespace {

struct Families {
  MetricsRegistry& m = DefaultMetrics();
  HistogramFamily& pull =
      m.Histogram("openecs_agent_pull_duration_seconds",
                  "One pull of desired state by the host agent, the long-poll wait included.");
  CounterFamily& pull_failures = m.Counter("openecs_agent_pull_failures_total",
                                           "Pulls of desired state by the host agent that failed.");
  HistogramFamily& lag = m.Histogram(
      "openecs_agent_reconcile_lag_seconds",
      "From a pull that brought a changed desired state (or a full sync) to the end of the "
      "last guest operation its reconcile pass started.",
      {"trigger"}, MetricsRegistry::SlowBuckets());
  HistogramFamily& driver_op = m.Histogram(
      "openecs_agent_driver_operation_duration_seconds",
      "Hypervisor driver calls made by the host agent (spawn, power_on, power_off, reboot, "
      "destroy), failed ones included.",
      {"operation"}, MetricsRegistry::SlowBuckets());
  CounterFamily& driver_failures =
      m.Counter("openecs_agent_driver_operation_failures_total",
                "Hypervisor driver calls made by the host agent that failed.", {"operation"});
};

Families& F() {
  static Families* f = new Families();  // never destroyed: pool threads may record at exit
  return *f;
}

}  // namespace

void ObservePull(double seconds, bool ok) {
  F().pull.Observe({}, seconds);
  if (!ok) F().pull_failures.Inc({});
}

void ObserveDriverOp(std::string_view operation, double seconds, bool ok) {
  F().driver_op.Observe({operation}, seconds);
  if (!ok) F().driver_failures.Inc({operation});
}

ReconcilePass::~ReconcilePass() {
  F().lag.Observe({full_sync_ ? "full_sync" : "change"}, watch_.Seconds());
}

MetricsCallback GuestsGauge(Driver* driver) {
  F();  // the agent's families appear from its start, before anything is recorded
  return DefaultMetrics().AddCallbackGauge(
      "openecs_agent_guests", "Guests the host's hypervisor driver has, by power state.", {"power"},
      [driver] {
        std::map<std::string, double> n = {{"running", 0}, {"shutoff", 0}};
        for (const auto& vm : driver->List()) ++n[std::string(ToString(vm.power))];
        GaugeSamples out;
        for (const auto& [power, count] : n) out.push_back({{power}, count});
        return out;
      });
}

}  // namespace openecs::agent_metrics
