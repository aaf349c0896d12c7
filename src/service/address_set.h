#pragma once
// The private addresses a vSwitch has given out, as the state index keeps them
// (service/state_index.h): how many records hold each address, and the same addresses as runs
// of consecutive ones, so that the lowest free address at or after a point is found in
// O(log n) rather than by walking every held address below it. (IpPool::Next walked them: with
// 20,000 instances in one vSwitch a RunInstances Amount=1 spent 10-25 ms there, on every call.)
//
// Add and Remove keep both views current in O(log n); an address is held while its count is
// above zero. Two sets are equal when they hold the same addresses the same number of times
// (the runs follow from that).
#include <cstddef>
#include <cstdint>
#include <map>

namespace openecs {

class AddressSet {
 public:
  // One more (`sign` +1) or one fewer (-1) record holding `ip`.
  void Add(uint32_t ip, int sign);
  bool Holds(uint32_t ip) const { return refs_.count(ip) > 0; }
  size_t size() const { return refs_.size(); }  // addresses held, each once
  bool empty() const { return refs_.empty(); }
  // The lowest address at or after `ip` that is not held (2^32 when every one up is).
  uint64_t FirstFreeFrom(uint32_t ip) const;
  // The runs of held addresses, first -> last (inclusive); for tests and checks.
  const std::map<uint32_t, uint32_t>& runs() const { return runs_; }

  bool operator==(const AddressSet& o) const { return refs_ == o.refs_; }

 private:
  void Insert(uint32_t ip);  // into runs_, `ip` not held before
  void Erase(uint32_t ip);   // from runs_, `ip` held before

  std::map<uint32_t, int> refs_;       // address -> records holding it
  std::map<uint32_t, uint32_t> runs_;  // first -> last of each run of held addresses
};

}  // namespace openecs
