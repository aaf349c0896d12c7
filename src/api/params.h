#pragma once
// Request parameters after URL decoding, with typed accessors that turn malformed input into
// the right ECS error (never an exception). Names are case-sensitive, as on the wire.
//
// Flattened forms (ecs-api.md §1.5): repeat lists "X.1", "X.2" (RepeatList), lists of objects
// "Tag.1.Key" (ObjectList), nested fields "SystemDisk.Size" (plain Get), JSON-array strings
// '["i-a","i-b"]' (JsonList).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace openecs {

class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  void Set(const std::string& k, std::string v) { values_[k] = std::move(v); }
  const std::map<std::string, std::string>& all() const { return values_; }
  bool Has(const std::string& k) const { return values_.count(k) > 0; }

  // Value if present (an empty value counts as absent).
  std::optional<std::string> Get(const std::string& k) const;
  std::string GetOr(const std::string& k, const std::string& def) const;
  // MissingParameter naming `k` when absent or empty.
  Result<std::string> Required(const std::string& k) const;
  // Integer in [min, max]; InvalidParameter naming `k` when malformed or out of range.
  Result<std::optional<int64_t>> Int(const std::string& k, int64_t min, int64_t max) const;
  Result<int64_t> IntOr(const std::string& k, int64_t def, int64_t min, int64_t max) const;
  // A finite decimal number in [min, max]; InvalidParameter naming `k` otherwise.
  Result<std::optional<double>> Double(const std::string& k, double min = -1e300,
                                       double max = 1e300) const;
  // "true"/"false" (any case); InvalidParameter otherwise.
  Result<bool> Bool(const std::string& k, bool def) const;
  Result<std::optional<bool>> OptBool(const std::string& k) const;
  // Value must be one of `allowed` (exact match).
  Result<std::optional<std::string>> Enum(const std::string& k,
                                          const std::vector<std::string>& allowed) const;
  // "X.1", "X.2", ... in index order (gaps allowed, empty values skipped).
  std::vector<std::string> RepeatList(const std::string& prefix) const;
  // "X.N.Field" grouped by N, in index order: one map Field->value per N.
  std::vector<std::map<std::string, std::string>> ObjectList(const std::string& prefix) const;
  // A JSON array of strings; InvalidParameter when not one. Absent -> empty list.
  Result<std::vector<std::string>> JsonList(const std::string& k) const;

 private:
  std::map<std::string, std::string> values_;
};

// Parses "a=b&c=d" (query string or form body) into `out`, percent-decoding keys and values.
void ParseUrlEncoded(std::string_view s, bool form, std::map<std::string, std::string>* out);

}  // namespace openecs
