#include "common/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json_dump.h"
#include "common/text.h"

namespace openecs {

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::Open(char c) {
  Separate();
  out_ += c;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::Close(char c) {
  out_ += c;
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view k) {
  Separate();
  after_key_ = true;  // the key itself is not separated again
  String(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view v) {
  Separate();
  if (!IsValidUtf8(v)) {
    // Not text (a name kept from before the API checked UTF-8): written as DumpJson writes it,
    // invalid bytes replaced, so that the reply stays JSON a reader (and Format=XML) can parse.
    out_ += DumpJson(nlohmann::json(std::string(v)));
    return *this;
  }
  static const char* kHex = "0123456789abcdef";
  out_ += '"';
  for (char ch : v) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        if (c < 0x20) {
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 15];
        } else {
          out_ += ch;
        }
    }
  }
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  Separate();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%.15g", v);
  // 15 digits round a number near the largest double past it ("1.79769313486232e+308"), which
  // no JSON reader takes (found by tests/fuzz/fuzz_render); 17 digits always read back.
  if (!std::isfinite(std::strtod(buf, nullptr))) n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  out_.append(buf, static_cast<size_t>(n));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Separate();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_ += json;
  return *this;
}

}  // namespace openecs
