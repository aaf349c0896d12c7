#include "model/guest_sample_json.h"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/json_dump.h"

namespace openecs {
namespace {

using json = nlohmann::json;

template <typename S>
struct Field {
  const char* name;
  int64_t S::*member;
};
constexpr Field<DiskIo> kDiskFields[] = {
    {"read_bytes", &DiskIo::read_bytes}, {"write_bytes", &DiskIo::write_bytes},
    {"read_ops", &DiskIo::read_ops},     {"write_ops", &DiskIo::write_ops},
    {"read_ns", &DiskIo::read_ns},       {"write_ns", &DiskIo::write_ns}};
constexpr Field<NicIo> kNicFields[] = {{"rx_bytes", &NicIo::rx_bytes},
                                       {"tx_bytes", &NicIo::tx_bytes},
                                       {"rx_packets", &NicIo::rx_packets},
                                       {"tx_packets", &NicIo::tx_packets},
                                       {"rx_dropped", &NicIo::rx_dropped},
                                       {"tx_dropped", &NicIo::tx_dropped},
                                       {"public_rx_bytes", &NicIo::public_rx_bytes},
                                       {"public_tx_bytes", &NicIo::public_tx_bytes},
                                       {"public_rx_packets", &NicIo::public_rx_packets},
                                       {"public_tx_packets", &NicIo::public_tx_packets}};
constexpr Field<GuestSample> kSampleFields[] = {{"at_ms", &GuestSample::at_ms},
                                                {"cpu_ns", &GuestSample::cpu_ns}};

template <typename S, size_t N>
int64_t S::*Find(const Field<S> (&fields)[N], const std::string& name) {
  for (const auto& f : fields)
    if (name == f.name) return f.member;
  return nullptr;
}

// ---- writing

void AppendString(std::string& out, const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += DumpJson(json(s));  // escapes, and replaces what is not UTF-8
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

// `"name":value` of each field, each after a comma if `comma`, else after the first.
template <typename S, size_t N>
void AppendFields(std::string& out, const S& v, const Field<S> (&fields)[N], bool comma) {
  for (const auto& f : fields) {
    if (comma) out += ',';
    comma = true;
    fmt::format_to(std::back_inserter(out), "\"{}\":{}", f.name, v.*f.member);
  }
}

// ---- reading: nlohmann's SAX events, no tree

class Reader {
 public:
  explicit Reader(size_t body_size) : body_size_(body_size) {}
  std::vector<GuestSample> samples;
  std::string error;
  bool saw_samples = false;

  bool null() { return Scalar("null"); }
  bool boolean(bool) { return Scalar("a boolean"); }
  bool number_integer(int64_t v) { return Number(v, 0, false); }
  bool number_unsigned(uint64_t v) { return Number(static_cast<int64_t>(v), 0, false); }
  bool number_float(double d, const std::string&) { return Number(0, d, true); }
  bool string(std::string& v) {
    if (Skipped()) return true;
    std::string* target = nullptr;
    if (Top() == At::kSample && key_ == "instance_id") target = &samples.back().instance_id;
    if (Top() == At::kNic && key_ == "public_ip") target = &nic_->public_ip;
    if (!target) return Fail("a string where " + Where() + " is not one");
    *target = std::move(v);
    return true;
  }
  bool binary(json::binary_t&) { return Scalar("binary"); }

  bool start_object(size_t) {
    if (Skipping()) return true;
    switch (Top()) {
      case At::kTop:
        return Push(At::kRoot);
      case At::kSamples:
        samples.emplace_back();
        return Push(At::kSample);
      case At::kSample:
        if (key_ == "disks") {
          samples.back().disks.clear();
          return Push(At::kDisks);
        }
        if (key_ == "nics") {
          samples.back().nics.clear();
          return Push(At::kNics);
        }
        break;
      case At::kDisks:
        disk_ = &(samples.back().disks[key_] = DiskIo{});
        return Push(At::kDisk);
      case At::kNics:
        nic_ = &(samples.back().nics[key_] = NicIo{});
        return Push(At::kNic);
      default:
        break;
    }
    return Fail("an object where " + Where() + " is not one");
  }
  bool end_object() { return End(); }
  bool start_array(size_t) {
    if (Skipping()) return true;
    if (Top() == At::kRoot && key_ == "samples") {
      saw_samples = true;
      samples.clear();
      samples.reserve(body_size_ / 512 + 1);  // a guest with a disk and an interface: ~600 bytes
      return Push(At::kSamples);
    }
    return Fail("an array where " + Where() + " is not one");
  }
  bool end_array() { return End(); }

  bool key(std::string& k) {
    if (skip_ > 0) return true;
    At at = Top();
    bool known =
        at == At::kDisks || at == At::kNics || (at == At::kRoot && k == "samples") ||
        (at == At::kSample && (Find(kSampleFields, k) || k == "instance_id" || k == "vcpus" ||
                               k == "guest_agent" || k == "disks" || k == "nics")) ||
        (at == At::kDisk && Find(kDiskFields, k)) ||
        (at == At::kNic && (Find(kNicFields, k) || k == "public_ip"));
    if (!known) skip_next_ = true;  // a newer peer's: its value is passed over
    key_ = std::move(k);
    return true;
  }

  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    error = e.what();
    return false;
  }

 private:
  enum class At { kTop, kRoot, kSamples, kSample, kDisks, kDisk, kNics, kNic };

  At Top() const { return stack_.empty() ? At::kTop : stack_.back(); }
  bool Push(At at) {
    stack_.push_back(at);
    return true;
  }
  bool End() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  // A container: passed over whole if it is an unknown key's value or inside one.
  bool Skipping() {
    if (skip_ > 0 || skip_next_) {
      ++skip_;
      skip_next_ = false;
      return true;
    }
    return false;
  }
  // A scalar: passed over if it is an unknown key's value or inside one.
  bool Skipped() {
    if (skip_ > 0) return true;
    if (!skip_next_) return false;
    skip_next_ = false;
    return true;
  }
  bool Scalar(const char* what) {
    return Skipped() || Fail(std::string(what) + " where " + Where() + " is not one");
  }
  bool Number(int64_t v, double d, bool is_float) {
    if (Skipped()) return true;
    int64_t* wide = nullptr;
    int* narrow = nullptr;
    switch (Top()) {
      case At::kSample: {
        GuestSample& s = samples.back();
        if (auto m = Find(kSampleFields, key_)) wide = &(s.*m);
        if (key_ == "vcpus") narrow = &s.vcpus;
        if (key_ == "guest_agent") narrow = &s.guest_agent;
        break;
      }
      case At::kDisk:
        if (auto m = Find(kDiskFields, key_)) wide = &(disk_->*m);
        break;
      case At::kNic:
        if (auto m = Find(kNicFields, key_)) wide = &(nic_->*m);
        break;
      default:
        break;
    }
    if (!wide && !narrow) return Fail("a number where " + Where() + " is not one");
    if (is_float) {
      // As model/json_macros.h CheckJsonNumberFits: a cast of what does not fit is undefined.
      double lo = narrow ? static_cast<double>(std::numeric_limits<int>::min())
                         : static_cast<double>(std::numeric_limits<int64_t>::min());
      double hi = narrow ? static_cast<double>(std::numeric_limits<int>::max())
                         : static_cast<double>(std::numeric_limits<int64_t>::max());
      if (!(d > lo - 1.0 && d < hi + 1.0)) return Fail("number out of range at " + Where());
      v = static_cast<int64_t>(d);
    }
    if (wide) *wide = v;
    if (narrow) *narrow = static_cast<int>(v);  // wraps, as nlohmann's get<int> does
    return true;
  }
  std::string Where() const {
    switch (Top()) {
      case At::kTop:
        return "the body";
      case At::kRoot:
        return "\"" + key_ + "\"";
      case At::kSamples:
        return "a sample";
      default:
        return "sample " + std::to_string(samples.size() - 1) + "'s \"" + key_ + "\"";
    }
  }
  bool Fail(std::string why) {
    error = std::move(why);
    return false;
  }

  size_t body_size_;
  std::vector<At> stack_;
  std::string key_;         // the last key of the object under way
  int skip_ = 0;            // depth inside a value passed over
  bool skip_next_ = false;  // the next value is an unknown key's
  DiskIo* disk_ = nullptr;  // the disk (kDisk) or interface (kNic) under way
  NicIo* nic_ = nullptr;
};

}  // namespace

std::string DumpSamples(const std::vector<GuestSample>& samples) {
  std::string out = "{\"samples\":[";
  out.reserve(256 * samples.size() + 16);
  for (size_t k = 0; k < samples.size(); ++k) {
    const GuestSample& s = samples[k];
    out += k ? ",{\"instance_id\":" : "{\"instance_id\":";
    AppendString(out, s.instance_id);
    AppendFields(out, s, kSampleFields, true);
    fmt::format_to(std::back_inserter(out), ",\"vcpus\":{},\"guest_agent\":{},\"disks\":{{",
                   s.vcpus, s.guest_agent);
    bool first = true;
    for (const auto& [id, io] : s.disks) {
      if (!first) out += ',';
      first = false;
      AppendString(out, id);
      out += ":{";
      AppendFields(out, io, kDiskFields, false);
      out += '}';
    }
    out += "},\"nics\":{";
    first = true;
    for (const auto& [id, io] : s.nics) {
      if (!first) out += ',';
      first = false;
      AppendString(out, id);
      out += ":{\"public_ip\":";
      AppendString(out, io.public_ip);
      AppendFields(out, io, kNicFields, true);
      out += '}';
    }
    out += "}}";
  }
  out += "]}";
  return out;
}

Result<std::vector<GuestSample>> ParseSamples(std::string_view body) {
  Reader r(body.size());
  bool ok = json::sax_parse(body, &r);
  if (!ok)
    return MakeError(ErrorCode::kInvalidParameter,
                     "malformed samples: " + (r.error.empty() ? "not JSON" : r.error));
  if (!r.saw_samples) return MakeError(ErrorCode::kInvalidParameter, "malformed samples: none");
  return std::move(r.samples);
}

}  // namespace openecs
