#include "api/params.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace openecs {
namespace {
Error Invalid(const std::string& k, const std::string& why) {
  return MakeError(ErrorCode::kInvalidParameter,
                   "The specified parameter \"" + k + "\" is not valid: " + why);
}
}  // namespace

std::optional<std::string> Params::Get(const std::string& k) const {
  auto it = values_.find(k);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Params::GetOr(const std::string& k, const std::string& def) const {
  auto v = Get(k);
  return v ? *v : def;
}

Result<std::string> Params::Required(const std::string& k) const {
  auto v = Get(k);
  if (!v)
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"" + k +
                         "\" that is mandatory for processing this request is not supplied.");
  return *v;
}

Result<std::optional<int64_t>> Params::Int(const std::string& k, int64_t min, int64_t max) const {
  auto v = Get(k);
  if (!v) return std::optional<int64_t>();
  int64_t n = 0;
  const char* b = v->data();
  const char* e = b + v->size();
  auto [p, ec] = std::from_chars(b, e, n);
  if (ec != std::errc() || p != e) return Invalid(k, "expected an integer, got \"" + *v + "\"");
  if (n < min || n > max)
    return Invalid(k, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return std::optional<int64_t>(n);
}

Result<int64_t> Params::IntOr(const std::string& k, int64_t def, int64_t min, int64_t max) const {
  OPENECS_ASSIGN_OR_RETURN(auto v, Int(k, min, max));
  return v ? *v : def;
}

namespace {
std::string FormatNumber(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}
}  // namespace

Result<std::optional<double>> Params::Double(const std::string& k, double min, double max) const {
  auto v = Get(k);
  if (!v) return std::optional<double>();
  // Decimal only (no hex, no "nan" or "inf", nothing out of range): a non-finite number stored
  // as JSON null made every later start of ecsd fail.
  double d = 0;
  const char* b = v->data();
  const char* e = b + v->size();
  auto [p, ec] = std::from_chars(b, e, d);
  if (ec != std::errc() || p != e || !std::isfinite(d))
    return Invalid(k, "expected a finite decimal number, got \"" + *v + "\"");
  if (d < min || d > max)
    return Invalid(k, "must be from " + FormatNumber(min) + " to " + FormatNumber(max));
  return std::optional<double>(d);
}

Result<std::optional<bool>> Params::OptBool(const std::string& k) const {
  auto v = Get(k);
  if (!v) return std::optional<bool>();
  if (EqualsIgnoreCase(*v, "true")) return std::optional<bool>(true);
  if (EqualsIgnoreCase(*v, "false")) return std::optional<bool>(false);
  return Invalid(k, "expected true or false");
}

Result<bool> Params::Bool(const std::string& k, bool def) const {
  OPENECS_ASSIGN_OR_RETURN(auto v, OptBool(k));
  return v ? *v : def;
}

Result<std::optional<std::string>> Params::Enum(const std::string& k,
                                                const std::vector<std::string>& allowed) const {
  auto v = Get(k);
  if (!v) return std::optional<std::string>();
  for (const auto& a : allowed)
    if (a == *v) return std::optional<std::string>(*v);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Invalid(k, "must be one of " + list);
}

namespace {
// Parses "<prefix>.<N><rest>" returning N and rest (rest begins with '.' or is empty).
bool SplitIndexed(const std::string& key, const std::string& prefix, int* n, std::string* rest) {
  if (key.size() <= prefix.size() + 1 || key.compare(0, prefix.size(), prefix) != 0 ||
      key[prefix.size()] != '.')
    return false;
  size_t i = prefix.size() + 1, j = i;
  while (j < key.size() && key[j] >= '0' && key[j] <= '9') ++j;
  if (j == i || j - i > 6) return false;
  *n = std::atoi(key.substr(i, j - i).c_str());
  *rest = key.substr(j);
  return true;
}
}  // namespace

std::vector<std::string> Params::RepeatList(const std::string& prefix) const {
  std::map<int, std::string> items;
  for (auto it = values_.lower_bound(prefix + "."); it != values_.end(); ++it) {
    if (it->first.compare(0, prefix.size() + 1, prefix + ".") != 0) break;
    int n;
    std::string rest;
    if (SplitIndexed(it->first, prefix, &n, &rest) && rest.empty() && !it->second.empty())
      items[n] = it->second;
  }
  std::vector<std::string> out;
  for (auto& [n, v] : items) out.push_back(v);
  return out;
}

std::vector<std::map<std::string, std::string>> Params::ObjectList(
    const std::string& prefix) const {
  std::map<int, std::map<std::string, std::string>> items;
  for (auto it = values_.lower_bound(prefix + "."); it != values_.end(); ++it) {
    if (it->first.compare(0, prefix.size() + 1, prefix + ".") != 0) break;
    int n;
    std::string rest;
    if (SplitIndexed(it->first, prefix, &n, &rest) && rest.size() > 1 && rest[0] == '.')
      items[n][rest.substr(1)] = it->second;
  }
  std::vector<std::map<std::string, std::string>> out;
  for (auto& [n, m] : items) out.push_back(std::move(m));
  return out;
}

Result<std::vector<std::string>> Params::JsonList(const std::string& k) const {
  auto v = Get(k);
  std::vector<std::string> out;
  if (!v) return out;
  auto j = nlohmann::json::parse(*v, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Invalid(k, "expected a JSON array of strings");
  for (const auto& e : j) {
    if (!e.is_string()) return Invalid(k, "expected a JSON array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

void ParseUrlEncoded(std::string_view s, bool form, std::map<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= s.size()) {
    size_t amp = s.find('&', start);
    std::string_view part = s.substr(start, amp == std::string_view::npos ? s.npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k = PercentDecode(part.substr(0, eq), form);
      std::string v = eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1), form);
      (*out)[k] = std::move(v);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
}

}  // namespace openecs
