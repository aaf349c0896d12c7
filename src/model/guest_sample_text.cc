#include "model/guest_sample_text.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace openecs {
namespace {

constexpr size_t kMaxToken = 256;

bool PlainToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxToken) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

void AppendNumber(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out += ' ';
  out.append(buf, end);
}

// The fields of one line, its kind first.
class Line {
 public:
  explicit Line(std::string_view text) : rest_(text) {}
  // The next field, or "" when the line has no more.
  std::string_view Next() {
    if (rest_.empty()) return {};
    size_t sp = rest_.find(' ');
    std::string_view field = rest_.substr(0, sp);
    rest_ = sp == std::string_view::npos ? std::string_view() : rest_.substr(sp + 1);
    return field;
  }

 private:
  std::string_view rest_;
};

// "" keeps the field's default (an older writer's shorter line).
bool ReadNumber(std::string_view field, int64_t* out) {
  if (field.empty()) return true;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), *out);
  return ec == std::errc() && end == field.data() + field.size();
}

bool ReadNumber(std::string_view field, int* out) {
  int64_t wide = *out;
  if (!ReadNumber(field, &wide) || wide < std::numeric_limits<int>::min() ||
      wide > std::numeric_limits<int>::max())
    return false;
  *out = static_cast<int>(wide);
  return true;
}

template <typename T>
bool ReadNumbers(Line& line, std::initializer_list<T*> fields) {
  for (T* f : fields)
    if (!ReadNumber(line.Next(), f)) return false;
  return true;
}

}  // namespace

std::optional<std::string> DumpSamplesText(const std::vector<GuestSample>& samples) {
  std::string out(kSamplesTextHeader);
  out.reserve(200 * samples.size() + 32);
  out += '\n';
  for (const GuestSample& s : samples) {
    if (!PlainToken(s.instance_id)) return std::nullopt;
    out += "s ";
    out += s.instance_id;
    for (int64_t v : {s.at_ms, s.cpu_ns, int64_t{s.vcpus}, int64_t{s.guest_agent}})
      AppendNumber(out, v);
    out += '\n';
    for (const auto& [id, io] : s.disks) {
      if (!PlainToken(id)) return std::nullopt;
      out += "d ";
      out += id;
      for (int64_t v :
           {io.read_bytes, io.write_bytes, io.read_ops, io.write_ops, io.read_ns, io.write_ns})
        AppendNumber(out, v);
      out += '\n';
    }
    for (const auto& [id, io] : s.nics) {
      if (!PlainToken(id) || (!io.public_ip.empty() && !PlainToken(io.public_ip)) ||
          io.public_ip == "-")
        return std::nullopt;
      out += "n ";
      out += id;
      out += ' ';
      out += io.public_ip.empty() ? "-" : io.public_ip;
      for (int64_t v :
           {io.rx_bytes, io.tx_bytes, io.rx_packets, io.tx_packets, io.rx_dropped, io.tx_dropped,
            io.public_rx_bytes, io.public_tx_bytes, io.public_rx_packets, io.public_tx_packets})
        AppendNumber(out, v);
      out += '\n';
    }
  }
  return out;
}

Result<std::vector<GuestSample>> ParseSamplesText(std::string_view body) {
  std::vector<GuestSample> samples;
  samples.reserve(body.size() / 200 + 1);  // a guest with a disk and an interface: ~250 bytes
  size_t number = 0;
  auto fail = [&](const char* why) {
    return MakeError(ErrorCode::kInvalidParameter,
                     "malformed samples: line " + std::to_string(number) + ": " + why);
  };
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view text = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (++number == 1) {
      if (text != kSamplesTextHeader) return fail("not \"openecs-samples 1\"");
      continue;
    }
    if (text.empty()) continue;
    Line line(text);
    std::string_view kind = line.Next();
    if (kind != "s" && kind != "d" && kind != "n") continue;  // a newer writer's
    std::string_view id = line.Next();
    if (!PlainToken(id)) return fail("no id, or not a plain token");
    if (kind == "s") {
      GuestSample& s = samples.emplace_back();
      s.instance_id = id;
      if (!ReadNumbers<int64_t>(line, {&s.at_ms, &s.cpu_ns}) ||
          !ReadNumbers<int>(line, {&s.vcpus, &s.guest_agent}))
        return fail("a field is not a number that fits");
      continue;
    }
    if (samples.empty()) return fail("a device before any sample");
    GuestSample& s = samples.back();
    if (kind == "d") {
      DiskIo& io = s.disks[std::string(id)];
      if (!ReadNumbers<int64_t>(line, {&io.read_bytes, &io.write_bytes, &io.read_ops, &io.write_ops,
                                       &io.read_ns, &io.write_ns}))
        return fail("a field is not a number that fits");
      continue;
    }
    NicIo& io = s.nics[std::string(id)];
    std::string_view ip = line.Next();
    if (!ip.empty() && ip != "-") {
      if (!PlainToken(ip)) return fail("the public address is not a plain token");
      io.public_ip = ip;
    }
    if (!ReadNumbers<int64_t>(
            line, {&io.rx_bytes, &io.tx_bytes, &io.rx_packets, &io.tx_packets, &io.rx_dropped,
                   &io.tx_dropped, &io.public_rx_bytes, &io.public_tx_bytes, &io.public_rx_packets,
                   &io.public_tx_packets}))
      return fail("a field is not a number that fits");
  }
  if (number == 0) return fail("empty");
  return samples;
}

}  // namespace openecs
