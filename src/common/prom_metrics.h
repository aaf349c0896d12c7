#pragma once
// ecsd's own metrics (the control plane's, not the guests'): a small registry of counters,
// gauges, histograms and callback gauges, rendered in Prometheus's text exposition format 0.0.4
// and served at GET /metrics (the API listener, for loopback callers; `--metrics-listen`).
//
// The contract:
// - A family is a name, a help text, a type and its label names; each distinct tuple of label
//   values is one series ("child"), made on first use and kept for the registry's life. Label
//   values must therefore come from small closed sets (an action of the action table, an ECS
//   error code, a power state, a QMP command the code sends), never from user input or ids:
//   callers map anything else to "unknown".
// - Registering is idempotent: asking again for a name with the same type, label names and
//   buckets returns the same family, so a component that comes and goes (an Agent in a test)
//   registers where it likes. The same name with another type, other labels or other buckets,
//   or a name or label that Prometheus does not allow, is a programming error: the process
//   aborts with a message at registration (the names are constants; the first test run finds it).
// - Recording with as many label values as the family has labels; a call with another count
//   is a bug and is dropped (logged once per family), never a crash in production.
// - Thread safety: everything may be called from any thread. Each family has its own mutex,
//   held for one map lookup and an add (no allocation once a series exists), so recording is
//   cheap and families never contend with each other; Render takes the families' mutexes one
//   at a time, so a scrape never stops all recording at once.
// - Histograms have fixed upper bounds in seconds, ascending, +Inf implied. A scrape renders
//   the buckets cumulatively with _count equal to the +Inf bucket, _sum beside them.
// - Callback gauges: functions evaluated at scrape time (guests per state read from the
//   cloud's state or a driver), returning labelled values. A family may have several callbacks
//   (one per Agent in a process, say); values for the same labels are summed. A callback runs
//   on the scraping thread with its family's mutex held and may take other locks (the cloud's
//   read lock) as long as nothing holding them waits for a scrape or drops a MetricsCallback.
//   The MetricsCallback handle removes it on destruction, waiting for a call in progress, so the
//   callback may use anything that outlives the handle.
// - Values are doubles (counters only grow: a negative Add is ignored). No timestamps.
//
// One registry per process: the instrumented code (the API server, the agent protocol, the
// host agent, the QMP client) records into DefaultMetrics(), because a process has one /metrics
// and instrumentation deep in the call graph (QmpClient::Execute) then needs no registry threaded
// through every constructor. In `ecsd dev` the API server and its embedded agent share it, so
// one scrape shows both. Tests of rendering make their own MetricsRegistry; tests of
// instrumented code read DefaultMetrics() before and after (values only grow).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_server.h"

namespace openecs {

// Label values in the order of the family's label names.
using LabelValues = std::initializer_list<std::string_view>;

class MetricFamily;

class CounterFamily;
class GaugeFamily;
class HistogramFamily;

// (label values, value) pairs a callback gauge returns.
using GaugeSamples = std::vector<std::pair<std::vector<std::string>, double>>;
using GaugeCallback = std::function<GaugeSamples()>;

// Keeps a callback gauge's function registered while it lives (movable, not copyable).
class MetricsCallback {
 public:
  MetricsCallback() = default;
  MetricsCallback(MetricsCallback&& other) noexcept { *this = std::move(other); }
  MetricsCallback& operator=(MetricsCallback&& other) noexcept;
  MetricsCallback(const MetricsCallback&) = delete;
  MetricsCallback& operator=(const MetricsCallback&) = delete;
  ~MetricsCallback() { Reset(); }
  // Unregisters now (waits for a call in progress).
  void Reset();

 private:
  friend class MetricsRegistry;
  struct Family;
  std::shared_ptr<Family> family_;
  uint64_t id_ = 0;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Prometheus's default buckets, from 5 ms to 10 s.
  static std::vector<double> DefaultBuckets();
  // For work done in memory (an API call): from 100 µs to 10 s.
  static std::vector<double> FastBuckets();
  // For slow work (spawning a guest, a long-poll): from 10 ms to 5 min.
  static std::vector<double> SlowBuckets();

  // The family `name` (registered now, or earlier with the same shape). A family without
  // labels has its one series from the start (rendered as 0).
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels = {});
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> labels = {});
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels = {},
                             std::vector<double> buckets = DefaultBuckets());
  // Adds `fn` to the callback gauge family `name` (registered on first use).
  [[nodiscard]] MetricsCallback AddCallbackGauge(const std::string& name, const std::string& help,
                                                 std::vector<std::string> labels, GaugeCallback fn);

  // Every family in name order, its series in label order, as text format 0.0.4.
  std::string Render() const;

 private:
  // The family registered under its name: `family`, or the one already there (same shape).
  std::shared_ptr<MetricFamily> Register(std::shared_ptr<MetricFamily> family);
  mutable std::mutex mu_;  // guards families_ (not their contents)
  std::map<std::string, std::shared_ptr<MetricFamily>> families_;
};

// The process-wide registry the instrumented code records into.
MetricsRegistry& DefaultMetrics();

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
// The answer to a scrape (the caller has matched the path and decided who may ask): 200 with
// the registry's text to a GET, 405 to other methods.
HttpResponse MetricsResponse(const HttpRequest& request,
                             const MetricsRegistry& registry = DefaultMetrics());

// Seconds since construction, on the monotonic clock.
class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Families. Obtained from a MetricsRegistry, which owns them; references stay valid for the
// registry's life.

// Base of every family (rendering and the registration check); not for direct use.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  const std::string& name() const { return name_; }
  virtual void Render(std::string& out) const = 0;

 protected:
  friend class MetricsRegistry;
  MetricFamily(std::string name, std::string help, std::string type,
               std::vector<std::string> labels)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(std::move(type)),
        labels_(std::move(labels)) {}
  // True (and logs once) when `n` is not this family's label count.
  bool WrongArity(size_t n) const;
  void RenderHeader(std::string& out) const;
  // `name{a="x",b="y"` plus `extra` (e.g. le="0.5"), closed with '}' unless there is nothing
  // to put between braces.
  void RenderSeriesName(std::string& out, std::string_view suffix,
                        const std::vector<std::string>& values, std::string_view extra = {}) const;
  // Buckets (histograms) are part of the shape a re-registration must match.
  virtual bool SameShape(const MetricFamily& other) const;

  // Ordering of label-value tuples that also compares against a LabelValues without copying.
  struct LabelsLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [](const auto& x, const auto& y) { return std::string_view(x) < std::string_view(y); });
    }
  };

  std::string name_, help_, type_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  mutable bool arity_logged_ = false;  // guarded by mu_
};

class CounterFamily final : public MetricFamily {
 public:
  void Add(LabelValues labels, double v = 1);
  void Inc(LabelValues labels) { Add(labels, 1); }
  double Value(LabelValues labels) const;  // 0 for a series never recorded

 private:
  friend class MetricsRegistry;
  using MetricFamily::MetricFamily;
  void Render(std::string& out) const override;
  std::map<std::vector<std::string>, double, LabelsLess> values_;  // guarded by mu_
};

class GaugeFamily final : public MetricFamily {
 public:
  void Set(LabelValues labels, double v);
  void Add(LabelValues labels, double v);
  double Value(LabelValues labels) const;

 private:
  friend class MetricsRegistry;
  using MetricFamily::MetricFamily;
  void Render(std::string& out) const override;
  std::map<std::vector<std::string>, double, LabelsLess> values_;  // guarded by mu_
};

class HistogramFamily final : public MetricFamily {
 public:
  void Observe(LabelValues labels, double seconds);
  uint64_t Count(LabelValues labels) const;
  double Sum(LabelValues labels) const;

 private:
  friend class MetricsRegistry;
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> bounds)
      : MetricFamily(std::move(name), std::move(help), "histogram", std::move(labels)),
        bounds_(std::move(bounds)) {}
  void Render(std::string& out) const override;
  bool SameShape(const MetricFamily& other) const override;
  struct Series {
    std::vector<uint64_t> buckets;  // per bound, not cumulative; the last is +Inf
    double sum = 0;
  };
  Series& SeriesOf(LabelValues labels);
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, Series, LabelsLess> series_;  // guarded by mu_
};

// Prometheus text for a sample value: integers without a fraction, +Inf, -Inf, NaN.
std::string FormatMetricValue(double v);
// A label value escaped for the text format (backslash, double quote, newline).
std::string EscapeLabelValue(std::string_view v);

}  // namespace openecs
