#include "agent/metrics_sampler.h"

#include "common/log.h"

namespace openecs {

MetricsSampler::MetricsSampler(AgentChannel* channel, Driver* driver, VpcNetworks* network,
                               std::function<std::string()> host_id)
    : channel_(channel), driver_(driver), network_(network), host_id_(std::move(host_id)) {}

MetricsSampler::~MetricsSampler() { Stop(); }

void MetricsSampler::Start(int interval_ms) {
  if (interval_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this, interval_ms] { Loop(interval_ms); });
}

void MetricsSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MetricsSampler::SetPlacement(const std::vector<DesiredVm>& vms) {
  std::map<std::string, std::string> owner;
  for (const auto& vm : vms)
    for (const auto& nic : vm.nics) owner[nic.eni_id] = vm.instance_id;
  std::lock_guard<std::mutex> lock(mu_);
  eni_owner_ = std::move(owner);
}

void MetricsSampler::SampleOnce() {
  std::vector<GuestSample> samples;
  std::string host = host_id_();
  if (host.empty()) return;
  std::map<std::string, size_t> index;  // instance -> its sample
  for (const auto& vm : driver_->List()) {
    if (vm.power != PowerState::kRunning) continue;
    auto s = driver_->Stats(vm.instance_id);
    if (!s.ok()) continue;
    s->guest_agent = driver_->GuestAgentAlive(vm.instance_id) ? 1 : 0;
    index[vm.instance_id] = samples.size();
    samples.push_back(std::move(*s));
  }
  if (network_ && !samples.empty()) {
    std::map<std::string, std::string> owner;
    {
      std::lock_guard<std::mutex> lock(mu_);
      owner = eni_owner_;
    }
    for (auto& [eni, io] : network_->Counters()) {
      auto o = owner.find(eni);
      if (o == owner.end()) continue;
      auto at = index.find(o->second);
      if (at != index.end()) samples[at->second].nics[eni] = io;
    }
  }
  if (samples.empty()) return;
  if (Status st = channel_->ReportMetrics(host, std::move(samples)); !st.ok())
    LOG_WARN("agent: metrics not sent: {}", st.error().message);
}

void MetricsSampler::Loop(int interval_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    SampleOnce();
    lock.lock();
  }
}

}  // namespace openecs
