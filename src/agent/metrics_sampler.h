#pragma once
// Monitoring on a host (issue 18): every `interval_ms` the sampler reads the counters of every
// running guest (Driver::Stats: CPU time of its vCPUs, its disks' I/O) and of their network
// interfaces (VpcNetworks::Counters: taps, and public traffic at the VPC's uplink), and sends
// them to the server in one AgentChannel::ReportMetrics. The server turns counters into rates
// and keeps the rollups (service/monitor_service.h); the host keeps nothing.
//
// Its own thread, so a slow QMP answer or a busy server never holds up the reconcile loop; a
// guest whose counters cannot be read this time (its QMP socket busy with a long job) is left
// out of this sample and the server sees a longer interval next time.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hypervisor/driver.h"
#include "model/agent_protocol.h"
#include "net/vpc_network.h"

namespace openecs {

class MetricsSampler {
 public:
  // `network` may be null (no VPC data plane: interfaces as the driver reports them, if at all).
  // `host_id` gives the host's current id ("" before it registered: nothing is sent).
  MetricsSampler(AgentChannel* channel, Driver* driver, VpcNetworks* network,
                 std::function<std::string()> host_id);
  ~MetricsSampler();
  void Start(int interval_ms);  // 0: never samples
  void Stop();
  // Which instance each interface belongs to, from the agent's latest desired state.
  void SetPlacement(const std::vector<DesiredVm>& vms);
  // One pass, now (the thread calls it every interval).
  void SampleOnce();

 private:
  void Loop(int interval_ms);

  AgentChannel* channel_;
  Driver* driver_;
  VpcNetworks* network_;
  std::function<std::string()> host_id_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;                             // guarded by mu_
  std::map<std::string, std::string> eni_owner_;  // ENI -> instance, guarded by mu_
  std::thread thread_;
};

}  // namespace openecs
