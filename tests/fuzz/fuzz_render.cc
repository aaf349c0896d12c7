// Fuzz target: rendering arbitrary bytes as API output. The input describes a small document
// (objects, arrays, strings of any bytes, integers, doubles, booleans) that is written twice:
// with JsonWriter (common/json_writer.h, DescribeInstances' streaming writer) and as an
// nlohmann::json tree dumped with DumpJson (common/json_dump.h, every other reply); the tree is
// also rendered as XML (JsonToXml, api/api_server.h, what Format=XML answers), and an error
// with a fuzzed message and request id goes through ErrorResponse in both formats.
//
// Strings stand for what reaches replies from outside: a guest's console, a name kept in a
// record from before the API checked UTF-8, an unknown action echoed in an error message.
// Element names in XML are JSON keys, which the code chooses; keys are fuzzed for JSON only.
//
// Invariants: no crash, no exception; both JSON texts parse as strict JSON (valid UTF-8) and
// hold the same document (invalid bytes replaced the same way, doubles equal to 1e-14); the XML
// is well-formed XML 1.0 in UTF-8 and its leaves hold the strings unchanged whenever they were
// text XML can carry; error bodies parse in their format and carry the code.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "common/errors.h"
#include "common/json_dump.h"
#include "common/json_writer.h"
#include "common/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace openecs {
namespace {

using json = nlohmann::json;

// Keys the API's replies use (valid XML names), so that most documents also test XML.
const char* const kKeys[] = {"InstanceId", "Instances", "Instance", "Description", "Output",
                             "Tags",       "Tag",       "TagKey",   "TagValue",    "Code"};

const double kOddDoubles[] = {NAN, INFINITY, -INFINITY, -0.0, 5e-324};

// The string nlohmann::json's replacing dump makes of `s` (what a reader gets back).
std::string Replaced(const std::string& s) {
  return json::parse(DumpJson(json(s))).get<std::string>();
}

struct Builder {
  FuzzedDataProvider& p;
  JsonWriter w;
  bool xml_names = true;  // every key is a valid XML name

  // Writes one value to `w` and returns the same value as a tree (strings as given).
  json Value(int depth) {
    int kind = p.ConsumeIntegralInRange(0, depth >= 4 ? 4 : 6);
    switch (kind) {
      case 0: {
        std::string s = p.ConsumeRandomLengthString(64);
        w.String(s);
        return s;
      }
      case 1: {
        int64_t v = p.ConsumeIntegral<int64_t>();
        w.Int(v);
        return v;
      }
      case 2: {
        // Non-finite ones too: both writers print null for them.
        double v =
            p.ConsumeBool() ? p.ConsumeFloatingPoint<double>() : p.PickValueInArray(kOddDoubles);
        w.Double(v);
        return v;
      }
      case 3: {
        bool v = p.ConsumeBool();
        w.Bool(v);
        return v;
      }
      case 4: {
        std::string s = p.ConsumeRandomLengthString(16);  // a key-like short string
        w.String(s);
        return s;
      }
      case 5: {
        json a = json::array();
        w.BeginArray();
        for (int n = p.ConsumeIntegralInRange(0, 4); n > 0; --n) a.push_back(Value(depth + 1));
        w.EndArray();
        return a;
      }
      default: {
        json o = json::object();
        w.BeginObject();
        for (int n = p.ConsumeIntegralInRange(0, 4); n > 0; --n) {
          std::string key;
          if (p.ConsumeBool()) {
            key = p.PickValueInArray(kKeys);
          } else {
            key = p.ConsumeRandomLengthString(12);
            xml_names = false;
          }
          w.Key(key);
          // A reader sees an invalid key replaced; two keys may become one (the last wins).
          o[Replaced(key)] = Value(depth + 1);
        }
        w.EndObject();
        return o;
      }
    }
  }
};

// Equal documents, numbers compared as doubles (JsonWriter prints 15 digits, nlohmann 17).
bool Same(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_integer() && b.is_number_integer() &&
        a.is_number_unsigned() == b.is_number_unsigned())
      return a == b;
    double x = a.get<double>(), y = b.get<double>();
    double diff = std::fabs(x - y);
    return x == y || diff <= 1e-14 * std::max(std::fabs(x), std::fabs(y)) || diff < 1e-300;
  }
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!Same(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !Same(it.value(), b[it.key()])) return false;
    return true;
  }
  return a == b;
}

// How many elements JsonToXml writes for a value (an array is its members, repeated).
size_t Elements(const json& j) {
  if (!j.is_array()) return 1;
  size_t n = 0;
  for (const auto& e : j) n += Elements(e);
  return n;
}

// The leaves JsonToXml writes, in its order: (text, whether XML can carry it unchanged).
void Leaves(const json& j, std::vector<std::pair<std::string, bool>>* out) {
  if (j.is_array()) {
    for (const auto& e : j) Leaves(e, out);
  } else if (j.is_object()) {
    size_t children = 0;
    for (const auto& item : j.items()) children += Elements(item.value());
    if (children == 0) out->push_back({"", true});
    for (const auto& item : j.items()) Leaves(item.value(), out);
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    out->push_back({s, IsValidUtf8(s) && fuzz::AllXmlChars(s)});
  } else if (j.is_null()) {
    out->push_back({"", true});
  } else {
    out->push_back({DumpJson(j), true});
  }
}

void CheckXmlOf(const std::string& xml, const json& doc) {
  std::vector<std::string> texts;
  FUZZ_CHECK(fuzz::CheckXml(xml, &texts), PercentEncode(xml));
  std::vector<std::pair<std::string, bool>> leaves;
  Leaves(doc, &leaves);
  FUZZ_CHECK(texts.size() == leaves.size(), PercentEncode(xml));
  for (size_t i = 0; i < texts.size(); ++i)
    if (leaves[i].second) FUZZ_CHECK(texts[i] == leaves[i].first, PercentEncode(xml));
}

}  // namespace
}  // namespace openecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openecs;
  FuzzedDataProvider p(data, size);
  int n;
  const ErrorCode* codes = AllErrorCodes(&n);
  ErrorCode code = codes[p.ConsumeIntegralInRange(0, n - 1)];
  std::string message = p.ConsumeRandomLengthString(128);
  std::string request_id = p.ConsumeRandomLengthString(40);

  Builder b{p};
  json doc = b.Value(0);
  const std::string& written = b.w.str();
  json from_writer = json::parse(written, nullptr, false);
  FUZZ_CHECK(!from_writer.is_discarded(),
             "JsonWriter wrote what is not JSON: " + PercentEncode(written));
  std::string dumped = DumpJson(doc);
  json from_dump = json::parse(dumped, nullptr, false);
  FUZZ_CHECK(!from_dump.is_discarded(),
             "DumpJson wrote what is not JSON: " + PercentEncode(dumped));
  FUZZ_CHECK(Same(from_writer, from_dump), written + "\n  " + dumped);

  // XML is rendered from a reply tree (after the reply was parsed back, or built in code); a
  // reply is always an object.
  if (b.xml_names && doc.is_object()) {
    CheckXmlOf(JsonToXml("FuzzResponse", doc), doc);
    CheckXmlOf(JsonToXml("FuzzResponse", from_dump), from_dump);
  }

  Error e = MakeError(code, message);
  HttpResponse as_json = ErrorResponse(e, request_id, false);
  json body = json::parse(as_json.body, nullptr, false);
  FUZZ_CHECK(body.is_object() && body.value("Code", "") == Describe(code).code, as_json.body);
  FUZZ_CHECK(as_json.status == Describe(code).http_status, as_json.body);
  HttpResponse as_xml = ErrorResponse(e, request_id, true);
  std::vector<std::string> texts;
  FUZZ_CHECK(fuzz::CheckXml(as_xml.body, &texts), PercentEncode(as_xml.body));
  return 0;
}
