#include "common/prom_metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <typeinfo>

#include "common/log.h"

namespace openecs {
namespace {

bool ValidName(std::string_view s, bool colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void Misuse(const std::string& what) {
  // A programming error in a constant (see the header): say it where a developer looks.
  std::fprintf(stderr, "prom_metrics: %s\n", what.c_str());
  std::abort();
}

void CheckNames(const std::string& name, const std::vector<std::string>& labels, bool histogram) {
  if (!ValidName(name, true)) Misuse("invalid metric name '" + name + "'");
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& l = labels[i];
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 || (histogram && l == "le"))
      Misuse("invalid label name '" + l + "' for " + name);
    for (size_t j = 0; j < i; ++j)
      if (labels[j] == l) Misuse("label '" + l + "' twice in " + name);
  }
}

// HELP text escapes backslash and newline only.
std::string EscapeHelp(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::vector<std::string> Copy(LabelValues labels) {
  return std::vector<std::string>(labels.begin(), labels.end());
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);  // the shortest text that reads back as the same double
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MetricFamily

bool MetricFamily::WrongArity(size_t n) const {
  if (n == labels_.size()) return false;
  if (!arity_logged_) {
    arity_logged_ = true;
    LOG_ERROR("metrics: {} takes {} label values, got {}; dropped", name_, labels_.size(), n);
  }
  return true;
}

bool MetricFamily::SameShape(const MetricFamily& other) const {
  return typeid(*this) == typeid(other) && type_ == other.type_ && labels_ == other.labels_;
}

void MetricFamily::RenderHeader(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += EscapeHelp(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
}

void MetricFamily::RenderSeriesName(std::string& out, std::string_view suffix,
                                    const std::vector<std::string>& values,
                                    std::string_view extra) const {
  out += name_;
  out += suffix;
  if (values.empty() && extra.empty()) return;
  out += '{';
  for (size_t i = 0; i < values.size() && i < labels_.size(); ++i) {
    if (i > 0) out += ',';
    out += labels_[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

// ---------------------------------------------------------------------------------------------
// Counters and gauges

void CounterFamily::Add(LabelValues labels, double v) {
  if (!(v >= 0)) return;  // counters only grow (NaN too is refused)
  std::lock_guard<std::mutex> lock(mu_);
  if (WrongArity(labels.size())) return;
  auto it = values_.find(labels);
  if (it == values_.end()) it = values_.emplace(Copy(labels), 0.0).first;
  it->second += v;
}

double CounterFamily::Value(LabelValues labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::Render(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  RenderHeader(out);
  for (const auto& [labels, v] : values_) {
    RenderSeriesName(out, "", labels);
    out += ' ';
    out += FormatMetricValue(v);
    out += '\n';
  }
}

void GaugeFamily::Set(LabelValues labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  if (WrongArity(labels.size())) return;
  auto it = values_.find(labels);
  if (it == values_.end()) it = values_.emplace(Copy(labels), 0.0).first;
  it->second = v;
}

void GaugeFamily::Add(LabelValues labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  if (WrongArity(labels.size())) return;
  auto it = values_.find(labels);
  if (it == values_.end()) it = values_.emplace(Copy(labels), 0.0).first;
  it->second += v;
}

double GaugeFamily::Value(LabelValues labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void GaugeFamily::Render(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  RenderHeader(out);
  for (const auto& [labels, v] : values_) {
    RenderSeriesName(out, "", labels);
    out += ' ';
    out += FormatMetricValue(v);
    out += '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// Histograms

HistogramFamily::Series& HistogramFamily::SeriesOf(LabelValues labels) {
  auto it = series_.find(labels);
  if (it == series_.end()) {
    Series s;
    s.buckets.assign(bounds_.size() + 1, 0);
    it = series_.emplace(Copy(labels), std::move(s)).first;
  }
  return it->second;
}

void HistogramFamily::Observe(LabelValues labels, double seconds) {
  if (std::isnan(seconds)) return;
  // The first bound at or above the value (le is "less than or equal"); past the last: +Inf.
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  std::lock_guard<std::mutex> lock(mu_);
  if (WrongArity(labels.size())) return;
  Series& s = SeriesOf(labels);
  ++s.buckets[i];
  s.sum += seconds;
}

uint64_t HistogramFamily::Count(LabelValues labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(labels);
  if (it == series_.end()) return 0;
  uint64_t n = 0;
  for (uint64_t b : it->second.buckets) n += b;
  return n;
}

double HistogramFamily::Sum(LabelValues labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.sum;
}

bool HistogramFamily::SameShape(const MetricFamily& other) const {
  return MetricFamily::SameShape(other) &&
         static_cast<const HistogramFamily&>(other).bounds_ == bounds_;
}

void HistogramFamily::Render(std::string& out) const {
  std::vector<std::string> le;  // the bounds as label text, made once per scrape
  for (double b : bounds_) le.push_back("le=\"" + FormatMetricValue(b) + "\"");
  le.push_back("le=\"+Inf\"");
  std::lock_guard<std::mutex> lock(mu_);
  RenderHeader(out);
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s.buckets.size(); ++i) {
      cumulative += s.buckets[i];
      RenderSeriesName(out, "_bucket", labels, le[i]);
      out += ' ';
      out += std::to_string(cumulative);
      out += '\n';
    }
    RenderSeriesName(out, "_sum", labels);
    out += ' ';
    out += FormatMetricValue(s.sum);
    out += '\n';
    RenderSeriesName(out, "_count", labels);
    out += ' ';
    out += std::to_string(cumulative);
    out += '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// Callback gauges

struct MetricsCallback::Family final : MetricFamily {
  Family(std::string name, std::string help, std::vector<std::string> labels)
      : MetricFamily(std::move(name), std::move(help), "gauge", std::move(labels)) {}

  uint64_t Add(GaugeCallback fn) {
    std::lock_guard<std::mutex> lock(mu_);
    callbacks_[++next_id_] = std::move(fn);
    return next_id_;
  }
  void Remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);  // waits for a scrape calling it
    callbacks_.erase(id);
  }

  void Render(std::string& out) const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::vector<std::string>, double, LabelsLess> sums;
    for (const auto& [id, fn] : callbacks_) {
      for (auto& [labels, v] : fn()) {
        if (WrongArity(labels.size())) continue;
        sums[std::move(labels)] += v;
      }
    }
    RenderHeader(out);
    for (const auto& [labels, v] : sums) {
      RenderSeriesName(out, "", labels);
      out += ' ';
      out += FormatMetricValue(v);
      out += '\n';
    }
  }

 private:
  std::map<uint64_t, GaugeCallback> callbacks_;  // guarded by mu_
  uint64_t next_id_ = 0;                         // guarded by mu_
};

MetricsCallback& MetricsCallback::operator=(MetricsCallback&& other) noexcept {
  if (this != &other) {
    Reset();
    family_ = std::move(other.family_);
    id_ = other.id_;
    other.family_ = nullptr;
    other.id_ = 0;
  }
  return *this;
}

void MetricsCallback::Reset() {
  if (family_) family_->Remove(id_);
  family_ = nullptr;
  id_ = 0;
}

// ---------------------------------------------------------------------------------------------
// The registry

std::vector<double> MetricsRegistry::DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> MetricsRegistry::FastBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> MetricsRegistry::SlowBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

std::shared_ptr<MetricFamily> MetricsRegistry::Register(std::shared_ptr<MetricFamily> family) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = families_.emplace(family->name(), family);
  if (!inserted && !it->second->SameShape(*family))
    Misuse("metric " + family->name() +
           " registered twice with a different type, labels or buckets");
  return it->second;
}

CounterFamily& MetricsRegistry::Counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels) {
  CheckNames(name, labels, false);
  bool bare = labels.empty();
  auto& f = static_cast<CounterFamily&>(*Register(
      std::shared_ptr<CounterFamily>(new CounterFamily(name, help, "counter", std::move(labels)))));
  if (bare) f.Add({}, 0);
  return f;
}

GaugeFamily& MetricsRegistry::Gauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> labels) {
  CheckNames(name, labels, false);
  bool bare = labels.empty();
  auto& f = static_cast<GaugeFamily&>(*Register(
      std::shared_ptr<GaugeFamily>(new GaugeFamily(name, help, "gauge", std::move(labels)))));
  if (bare) f.Add({}, 0);
  return f;
}

HistogramFamily& MetricsRegistry::Histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> labels,
                                            std::vector<double> buckets) {
  CheckNames(name, labels, true);
  for (size_t i = 0; i < buckets.size(); ++i)
    if (!std::isfinite(buckets[i]) || (i > 0 && !(buckets[i] > buckets[i - 1])))
      Misuse("histogram " + name + ": bucket bounds must be finite and ascending");
  bool bare = labels.empty();
  auto& f = static_cast<HistogramFamily&>(*Register(std::shared_ptr<HistogramFamily>(
      new HistogramFamily(name, help, std::move(labels), std::move(buckets)))));
  if (bare) {
    std::lock_guard<std::mutex> lock(f.mu_);
    f.SeriesOf({});
  }
  return f;
}

MetricsCallback MetricsRegistry::AddCallbackGauge(const std::string& name, const std::string& help,
                                                  std::vector<std::string> labels,
                                                  GaugeCallback fn) {
  CheckNames(name, labels, false);
  // The handle shares the family, so that dropping it after the registry is gone (a static
  // owner at exit) is still safe.
  MetricsCallback handle;
  handle.family_ = std::static_pointer_cast<MetricsCallback::Family>(
      Register(std::make_shared<MetricsCallback::Family>(name, help, std::move(labels))));
  handle.id_ = handle.family_->Add(std::move(fn));
  return handle;
}

std::string MetricsRegistry::Render() const {
  std::vector<std::shared_ptr<MetricFamily>> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    families.reserve(families_.size());
    for (const auto& [name, f] : families_) families.push_back(f);
  }
  std::string out;
  for (const auto& f : families) f->Render(out);
  return out;
}

MetricsRegistry& DefaultMetrics() {
  // Never destroyed: instrumented objects with static storage may record during exit.
  static MetricsRegistry* registry = new MetricsRegistry();
  return *registry;
}

HttpResponse MetricsResponse(const HttpRequest& request, const MetricsRegistry& registry) {
  HttpResponse r;
  if (request.method != "GET") {
    r.status = 405;
    r.headers["allow"] = "GET";
    r.content_type = "text/plain; charset=utf-8";
    r.body = "only GET\n";
    return r;
  }
  r.content_type = kMetricsContentType;
  r.body = registry.Render();
  return r;
}

}  // namespace openecs
