// Fuzz target: request parameter decoding (api/params.h) and the text checks under it
// (common/text.h, common/clock.h). Input: byte 0 (low bit: form rules, '+' is a space), byte 1
// (where to split the rest: n/256 of it), byte 2 (integer bounds), then a query string or form
// body for ParseUrlEncoded and a free string for the text functions. Every typed accessor of
// Params is asked about every decoded key (and the free string as a key), with those bounds.
//
// Invariants: no crash, no exception (Params promises errors, never throws);
// - an Int is inside its bounds and was written as [-]digits; a Double is finite and inside
//   its bounds; a Bool was "true"/"false"; every error is InvalidParameter or
//   MissingParameter (a 4xx);
// - RepeatList items are non-empty and no more than the keys; ObjectList entries non-empty;
// - ParseUrlEncoded of PercentEncode'd pairs gives the pairs back; PercentDecode undoes
//   PercentEncode (query and form rules);
// - IsValidUtf8 agrees with nlohmann::json's own UTF-8 check (a second implementation);
// - a date ParseIso accepts prints (FormatIso) to a text that parses to the same second.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/params.h"
#include "common/clock.h"
#include "common/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace openecs {
namespace {

void CheckError(const Error& e, const std::string& key) {
  FUZZ_CHECK(e.code == ErrorCode::kInvalidParameter || e.code == ErrorCode::kMissingParameter,
             key + ": " + e.message);
}

bool IsDecimalInteger(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Every accessor on one key; `b1`, `b2` pick integer bounds.
void Accessors(const Params& p, const std::string& k, int64_t b1, int64_t b2) {
  std::optional<std::string> v = p.Get(k);
  FUZZ_CHECK(!v || !v->empty(), k);
  Result<std::string> req = p.Required(k);
  FUZZ_CHECK(req.ok() == v.has_value(), k);
  if (!req.ok()) CheckError(req.error(), k);

  int64_t lo = std::min(b1, b2), hi = std::max(b1, b2);
  Result<std::optional<int64_t>> i = p.Int(k, lo, hi);
  if (i.ok()) {
    if (*i) {
      FUZZ_CHECK(**i >= lo && **i <= hi, k + "=" + *v);
      FUZZ_CHECK(IsDecimalInteger(*v), k + "=" + *v);
    }
  } else {
    CheckError(i.error(), k);
  }
  Result<int64_t> io = p.IntOr(k, lo, lo, hi);
  FUZZ_CHECK(!io.ok() || (*io >= lo && *io <= hi), k);

  Result<std::optional<double>> d = p.Double(k);
  if (d.ok()) {
    if (*d) FUZZ_CHECK(std::isfinite(**d), k + "=" + *v);
  } else {
    CheckError(d.error(), k);
  }
  Result<std::optional<double>> dr = p.Double(k, static_cast<double>(lo), static_cast<double>(hi));
  if (dr.ok()) {
    if (*dr) FUZZ_CHECK(**dr >= static_cast<double>(lo) && **dr <= static_cast<double>(hi), *v);
  } else {
    CheckError(dr.error(), k);
  }

  Result<std::optional<bool>> b = p.OptBool(k);
  if (b.ok()) {
    if (*b) FUZZ_CHECK(EqualsIgnoreCase(*v, **b ? "true" : "false"), k + "=" + *v);
  } else {
    CheckError(b.error(), k);
  }
  Result<bool> bd = p.Bool(k, true);
  FUZZ_CHECK(bd.ok() == b.ok(), k);

  Result<std::optional<std::string>> e = p.Enum(k, {"Running", "Stopped", "", k});
  if (e.ok() && *e) FUZZ_CHECK(**e == *v, k);
  if (!e.ok()) CheckError(e.error(), k);

  Result<std::vector<std::string>> j = p.JsonList(k);
  if (!j.ok()) CheckError(j.error(), k);

  // The key's prefix up to its first '.', as a list name ("X" for "X.1" and "X.1.Key").
  std::string prefix = k.substr(0, k.find('.'));
  size_t keys = 0;
  for (const auto& [key, value] : p.all())
    if (key.compare(0, prefix.size() + 1, prefix + ".") == 0) ++keys;
  std::vector<std::string> list = p.RepeatList(prefix);
  FUZZ_CHECK(list.size() <= keys, prefix);
  for (const auto& item : list) FUZZ_CHECK(!item.empty(), prefix);
  std::vector<std::map<std::string, std::string>> objects = p.ObjectList(prefix);
  FUZZ_CHECK(objects.size() <= keys, prefix);
  for (const auto& o : objects) FUZZ_CHECK(!o.empty(), prefix);
}

bool NlohmannSaysUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace
}  // namespace openecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openecs;
  if (size < 3) return 0;
  bool form = data[0] & 1;
  size_t split = 3 + (size - 3) * data[1] / 256;
  int64_t b1 = static_cast<int8_t>(data[2]) * int64_t{1000003};
  std::string_view encoded(reinterpret_cast<const char*>(data) + 3, split - 3);
  std::string text(reinterpret_cast<const char*>(data) + split, size - split);

  std::map<std::string, std::string> values;
  ParseUrlEncoded(encoded, form, &values);
  Params params(values);
  int n = 0;
  for (const auto& [k, v] : values) {
    if (++n > 16) break;
    Accessors(params, k, b1, static_cast<int64_t>(v.size()) * (b1 % 7 - 3));
  }
  Accessors(params, "Absent", 0, 0);
  Accessors(params, text, b1, -b1);

  // ParseUrlEncoded round trip: what the SDKs encode, the server decodes back.
  std::string round;
  for (const auto& [k, v] : values)
    round += (round.empty() ? "" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
  for (bool f : {false, true}) {
    std::map<std::string, std::string> again;
    ParseUrlEncoded(round, f, &again);
    FUZZ_CHECK(again == values, round);
  }
  std::string enc = PercentEncode(text);
  FUZZ_CHECK(PercentDecode(enc, false) == text && PercentDecode(enc, true) == text, enc);
  (void)PercentDecode(text, form);

  FUZZ_CHECK(IsValidUtf8(text) == NlohmannSaysUtf8(text), PercentEncode(text));

  if (std::optional<int64_t> t = ParseIso(text)) {
    // Years 0..9999 print back as they parse (a normalised 9999-12-31T23:59:60Z is year 10000).
    if (*t >= -62167219200 && *t <= 253402300799) {
      std::string printed = FormatIso(*t);
      FUZZ_CHECK(ParseIso(printed) == t, text + " -> " + printed);
    }
  }
  return 0;
}
