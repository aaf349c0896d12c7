#include "agent/report_batcher.h"

namespace openecs {

namespace {

// One call for the whole batch; if the server refuses it, one call per report.
std::vector<Status> SendBatch(const ReportBatcher::Send& send,
                              const std::vector<std::vector<Observation>>& batch) {
  if (batch.size() == 1) return {send(batch[0])};
  std::vector<Observation> all;
  for (const auto& obs : batch) all.insert(all.end(), obs.begin(), obs.end());
  Status st = send(all);
  if (st.ok()) return std::vector<Status>(batch.size(), st);
  std::vector<Status> out;
  for (const auto& obs : batch) out.push_back(send(obs));
  return out;
}

}  // namespace

ReportBatcher::ReportBatcher(Send send)
    : BatchQueue(
          kMaxObservations, [](const std::vector<Observation>& obs) { return obs.size(); },
          [send = std::move(send)](const std::vector<std::vector<Observation>>& batch) {
            return SendBatch(send, batch);
          }) {}

}  // namespace openecs
