#include "service/address_set.h"

#include <iterator>

namespace openecs {

void AddressSet::Add(uint32_t ip, int sign) {
  auto it = refs_.find(ip);
  int before = it == refs_.end() ? 0 : it->second;
  int after = before + sign;
  if (after <= 0) {
    if (it != refs_.end()) refs_.erase(it);
    if (before > 0) Erase(ip);
    return;
  }
  refs_[ip] = after;
  if (before == 0) Insert(ip);
}

void AddressSet::Insert(uint32_t ip) {
  auto next = runs_.upper_bound(ip);  // the first run starting after ip
  auto prev = next == runs_.begin() ? runs_.end() : std::prev(next);
  bool joins_prev = prev != runs_.end() && uint64_t{prev->second} + 1 == ip;
  bool joins_next = next != runs_.end() && uint64_t{ip} + 1 == next->first;
  if (joins_prev && joins_next) {
    prev->second = next->second;
    runs_.erase(next);
  } else if (joins_prev) {
    prev->second = ip;
  } else if (joins_next) {
    uint32_t last = next->second;
    runs_.erase(next);
    runs_.emplace(ip, last);
  } else {
    runs_.emplace(ip, ip);
  }
}

void AddressSet::Erase(uint32_t ip) {
  auto it = std::prev(runs_.upper_bound(ip));  // the run holding ip
  uint32_t first = it->first, last = it->second;
  if (first == last) {
    runs_.erase(it);
  } else if (ip == first) {
    runs_.erase(it);
    runs_.emplace(ip + 1, last);
  } else {
    it->second = ip - 1;
    if (ip != last) runs_.emplace(ip + 1, last);
  }
}

uint64_t AddressSet::FirstFreeFrom(uint32_t ip) const {
  auto it = runs_.upper_bound(ip);
  if (it == runs_.begin()) return ip;
  --it;
  return it->second >= ip ? uint64_t{it->second} + 1 : ip;
}

}  // namespace openecs
