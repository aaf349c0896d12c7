#include "common/prom_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>

namespace openecs {
namespace {

// Every line of the text format is a comment or `name{labels} value` (labels optional).
void ExpectParses(const std::string& text) {
  static const std::regex kSample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? )re"
      R"re((-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)re");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, kSample)) << "not a sample: " << line;
  }
  EXPECT_TRUE(text.empty() || text.back() == '\n');
}

TEST(PromMetrics, CountersRenderWithHelpTypeAndLabels) {
  MetricsRegistry r;
  auto& c = r.Counter("test_requests_total", "Requests.", {"action", "code"});
  c.Inc({"RunInstances", "OK"});
  c.Add({"RunInstances", "OK"}, 2);
  c.Inc({"DescribeRegions", "MissingParameter"});
  c.Add({"DescribeRegions", "OK"}, -5);  // counters never go down: ignored
  EXPECT_EQ(c.Value({"RunInstances", "OK"}), 3);
  EXPECT_EQ(c.Value({"Nothing", "OK"}), 0);
  EXPECT_EQ(r.Render(),
            "# HELP test_requests_total Requests.\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{action=\"DescribeRegions\",code=\"MissingParameter\"} 1\n"
            "test_requests_total{action=\"RunInstances\",code=\"OK\"} 3\n");
}

TEST(PromMetrics, FamiliesWithoutLabelsStartAtZero) {
  MetricsRegistry r;
  r.Counter("b_total", "B.");
  r.Gauge("a", "A.");
  r.Histogram("c_seconds", "C.", {}, {1});
  EXPECT_EQ(r.Render(),
            "# HELP a A.\n# TYPE a gauge\na 0\n"
            "# HELP b_total B.\n# TYPE b_total counter\nb_total 0\n"
            "# HELP c_seconds C.\n# TYPE c_seconds histogram\n"
            "c_seconds_bucket{le=\"1\"} 0\nc_seconds_bucket{le=\"+Inf\"} 0\n"
            "c_seconds_sum 0\nc_seconds_count 0\n");
}

TEST(PromMetrics, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry r;
  r.Gauge("g", "Back\\slash and\nnewline \"quoted\".", {"v"}).Set({"a\\b\"c\nd"}, 1.5);
  std::string text = r.Render();
  EXPECT_EQ(text,
            "# HELP g Back\\\\slash and\\nnewline \"quoted\".\n"
            "# TYPE g gauge\n"
            "g{v=\"a\\\\b\\\"c\\nd\"} 1.5\n");
  ExpectParses(text);
}

TEST(PromMetrics, HistogramBucketsAreCumulativeWithInf) {
  MetricsRegistry r;
  auto& h = r.Histogram("op_seconds", "Op.", {"op"}, {0.1, 1, 10});
  h.Observe({"spawn"}, 0.05);
  h.Observe({"spawn"}, 0.1);  // on a bound: in that bucket (le)
  h.Observe({"spawn"}, 2);
  h.Observe({"spawn"}, 50);  // past the last bound: +Inf only
  EXPECT_EQ(h.Count({"spawn"}), 4u);
  EXPECT_DOUBLE_EQ(h.Sum({"spawn"}), 52.15);
  std::string text = r.Render();
  EXPECT_EQ(text,
            "# HELP op_seconds Op.\n"
            "# TYPE op_seconds histogram\n"
            "op_seconds_bucket{op=\"spawn\",le=\"0.1\"} 2\n"
            "op_seconds_bucket{op=\"spawn\",le=\"1\"} 2\n"
            "op_seconds_bucket{op=\"spawn\",le=\"10\"} 3\n"
            "op_seconds_bucket{op=\"spawn\",le=\"+Inf\"} 4\n"
            "op_seconds_sum{op=\"spawn\"} 52.15\n"
            "op_seconds_count{op=\"spawn\"} 4\n");
  ExpectParses(text);
}

TEST(PromMetrics, GaugesSetAndAdd) {
  MetricsRegistry r;
  auto& g = r.Gauge("depth", "Depth.", {"queue"});
  g.Set({"a"}, 5);
  g.Add({"a"}, -2);
  g.Add({"b"}, 1);
  EXPECT_EQ(g.Value({"a"}), 3);
  EXPECT_EQ(g.Value({"b"}), 1);
}

TEST(PromMetrics, CallbackGaugesAreEvaluatedAtScrapeAndSummed) {
  MetricsRegistry r;
  int calls = 0;
  double running = 2;
  auto first = r.AddCallbackGauge("guests", "Guests.", {"power"}, [&] {
    ++calls;
    return GaugeSamples{{{"running"}, running}, {{"shutoff"}, 1}};
  });
  EXPECT_EQ(calls, 0);  // only when scraped
  running = 4;
  EXPECT_NE(r.Render().find("guests{power=\"running\"} 4\n"), std::string::npos);
  EXPECT_EQ(calls, 1);
  {
    // A second callback of the same family (another agent in the process): values add up.
    auto second = r.AddCallbackGauge("guests", "Guests.", {"power"}, [] {
      return GaugeSamples{{{"running"}, 1}, {{"bad", "arity"}, 9}};
    });
    std::string text = r.Render();
    EXPECT_NE(text.find("guests{power=\"running\"} 5\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("arity"), std::string::npos);  // a sample with the wrong labels: dropped
  }
  EXPECT_NE(r.Render().find("guests{power=\"running\"} 4\n"), std::string::npos);
  MetricsCallback moved = std::move(first);
  moved.Reset();
  EXPECT_EQ(r.Render(), "# HELP guests Guests.\n# TYPE guests gauge\n");
  EXPECT_EQ(calls, 3);
}

TEST(PromMetrics, ReRegisteringReturnsTheSameFamily) {
  MetricsRegistry r;
  auto& a = r.Counter("x_total", "X.", {"l"});
  auto& b = r.Counter("x_total", "X.", {"l"});
  EXPECT_EQ(&a, &b);
  a.Inc({"v"});
  EXPECT_EQ(b.Value({"v"}), 1);
}

TEST(PromMetricsDeathTest, MisuseAbortsAtRegistration) {
  MetricsRegistry r;
  r.Counter("x_total", "X.", {"l"});
  EXPECT_DEATH(r.Gauge("x_total", "X.", {"l"}), "registered twice");
  EXPECT_DEATH(r.Counter("x_total", "X.", {"other"}), "registered twice");
  r.Histogram("h_seconds", "H.", {}, {1, 2});
  EXPECT_DEATH(r.Histogram("h_seconds", "H.", {}, {1, 3}), "registered twice");
  EXPECT_DEATH(r.Counter("bad-name", "X."), "invalid metric name");
  EXPECT_DEATH(r.Counter("y_total", "Y.", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(r.Histogram("z_seconds", "Z.", {"le"}), "invalid label name");
  EXPECT_DEATH(r.Histogram("w_seconds", "W.", {}, {2, 1}), "ascending");
}

TEST(PromMetrics, WrongLabelCountIsDropped) {
  MetricsRegistry r;
  auto& c = r.Counter("c_total", "C.", {"a", "b"});
  c.Inc({"only-one"});
  c.Inc({"1", "2", "3"});
  EXPECT_EQ(r.Render(), "# HELP c_total C.\n# TYPE c_total counter\n");
}

TEST(PromMetrics, ValuesFormatAsPrometheusReadsThem) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(-3), "-3");
  EXPECT_EQ(FormatMetricValue(0.005), "0.005");
  EXPECT_EQ(FormatMetricValue(0.00025), "0.00025");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(FormatMetricValue(1e-7)), 1e-7);
  EXPECT_EQ(std::stod(FormatMetricValue(1e20)), 1e20);
}

TEST(PromMetrics, RecordingFromManyThreadsLosesNothing) {
  MetricsRegistry r;
  auto& c = r.Counter("n_total", "N.", {"t"});
  auto& h = r.Histogram("d_seconds", "D.", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::string label = t % 2 ? "odd" : "even";
      for (int i = 0; i < 10000; ++i) {
        c.Inc({label});
        h.Observe({label}, 0.001);
        if (i % 1000 == 0) (void)r.Render();  // scrapes interleave with recording
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.Value({"odd"}) + c.Value({"even"}), 40000);
  EXPECT_EQ(h.Count({"odd"}) + h.Count({"even"}), 40000u);
  ExpectParses(r.Render());
}

TEST(PromMetrics, MetricsResponseServesTheTextToGetOnly) {
  MetricsRegistry r;
  r.Counter("a_total", "A.");
  HttpRequest get;
  get.method = "GET";
  HttpResponse ok = MetricsResponse(get, r);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, kMetricsContentType);
  EXPECT_EQ(ok.body, r.Render());
  HttpRequest post;
  post.method = "POST";
  EXPECT_EQ(MetricsResponse(post, r).status, 405);
}

TEST(PromMetrics, DefaultRegistryIsOnePerProcess) {
  EXPECT_EQ(&DefaultMetrics(), &DefaultMetrics());
}

}  // namespace
}  // namespace openecs
