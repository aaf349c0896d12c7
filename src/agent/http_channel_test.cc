// HttpAgentChannel's pulls (agent/http_channel.h) against a scripted server: a whole state is
// held, a delta of it applied, an empty delta answers the state held at the new revision (read
// once, not again), and a delta that fits nothing held is dropped for the whole state. Its
// samples go as text, or as JSON to a server that refuses text.
#include "agent/http_channel.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_server.h"
#include "model/agent_protocol_json.h"
#include "model/guest_sample_json.h"
#include "model/guest_sample_text.h"

namespace openecs {
namespace {

using nlohmann::json;

class ScriptedServer {
 public:
  ScriptedServer() {
    auto started = HttpServer::Start("127.0.0.1:0", 1, [this](const HttpRequest& req) {
      std::lock_guard<std::mutex> lock(mu_);
      targets_.push_back(req.target);
      HttpResponse r;
      r.status = 200;
      r.content_type = "application/json";
      r.body = answers_.empty() ? "{}" : answers_.front().dump();
      if (!answers_.empty()) answers_.pop_front();
      return r;
    });
    EXPECT_TRUE(started.ok());
    server_ = std::move(*started);
  }
  ~ScriptedServer() { server_->Stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void Answer(json j) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(j));
  }
  // The `base` and `since` the last pull named.
  std::string LastQuery() {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string& t = targets_.back();
    return t.substr(t.find("&since="));
  }

 private:
  std::mutex mu_;
  std::deque<json> answers_;
  std::vector<std::string> targets_;
  std::unique_ptr<HttpServer> server_;
};

json Vm(const std::string& id, int cpu) {
  DesiredVm vm;
  vm.instance_id = id;
  vm.cpu = cpu;
  return json(vm);
}

TEST(HttpAgentChannelTest, PullsHoldTheStateAndAnEmptyDeltaAnswersItAtTheNewRevision) {
  ScriptedServer server;
  HttpAgentChannel channel(server.url(), "token");
  DesiredState whole;
  whole.revision = 5;
  whole.pool_disks = {"d-1"};
  json w(whole);
  w["vms"] = json::array({Vm("i-1", 1), Vm("i-2", 2)});
  server.Answer(w);
  auto first = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=0");
  ASSERT_EQ(first->vms.size(), 2u);
  EXPECT_EQ(first->revision, 5);

  // A quiet full sync: an empty delta of revision 5, read from the state held.
  server.Answer({{"revision", 6}, {"changed", true}, {"delta_from", 5}, {"delta", json::object()}});
  auto quiet = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=5");
  EXPECT_EQ(quiet->revision, 6);
  EXPECT_TRUE(quiet->changed);
  ASSERT_EQ(quiet->vms.size(), 2u);
  EXPECT_EQ(quiet->vms[1].instance_id, "i-2");
  EXPECT_EQ(quiet->pool_disks, std::vector<std::string>{"d-1"});

  // Given back, the state answers the next empty delta itself (marked here to tell it from a
  // new read); a state of another revision given back is not kept.
  DesiredState stale = *first;
  stale.vms[0].cpu = 77;
  channel.GiveBack("h-1", std::move(stale));  // revision 5: not the state held
  DesiredState lent = *quiet;
  lent.vms[0].cpu = 99;
  channel.GiveBack("h-1", std::move(lent));
  server.Answer({{"revision", 7}, {"changed", true}, {"delta_from", 6}, {"delta", json::object()}});
  auto given = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->revision, 7);
  EXPECT_EQ(given->vms[0].cpu, 99);
  // Lent out again: the next empty delta reads the state held.
  server.Answer({{"revision", 8}, {"changed", true}, {"delta_from", 7}, {"delta", json::object()}});
  auto read = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->revision, 8);
  EXPECT_EQ(read->vms[0].cpu, 1);
  channel.GiveBack("h-1", *read);

  // A change of one guest, as a delta of revision 8: applied to the state held (the state
  // given back dropped).
  server.Answer({{"revision", 9},
                 {"changed", true},
                 {"delta_from", 8},
                 {"delta",
                  {{"lists",
                    {{"vms",
                      {{"key", "instance_id"},
                       {"order", {"i-1", "i-2"}},
                       {"upsert", json::array({Vm("i-2", 4)})}}}}}}}});
  auto changed = channel.Pull("h-1", 8, 0);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=8&wait_ms=0&base=8");
  ASSERT_EQ(changed->vms.size(), 2u);
  EXPECT_EQ(changed->vms[1].cpu, 4);

  // Empty again: the state with the change, not the one read before it.
  server.Answer(
      {{"revision", 10}, {"changed", true}, {"delta_from", 9}, {"delta", json::object()}});
  auto again = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision, 10);
  ASSERT_EQ(again->vms.size(), 2u);
  EXPECT_EQ(again->vms[1].cpu, 4);

  channel.GiveBack("h-1", *again);
  // Nothing changed: no guests in the answer, and the state held (and given back) is revision
  // 11's.
  server.Answer({{"revision", 11}, {"changed", false}});
  auto none = channel.Pull("h-1", 10, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->changed);
  EXPECT_TRUE(none->vms.empty());
  server.Answer(
      {{"revision", 12}, {"changed", true}, {"delta_from", 11}, {"delta", json::object()}});
  auto after = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=11");
  EXPECT_EQ(after->revision, 12);
  EXPECT_EQ(after->vms[1].cpu, 4);
  EXPECT_EQ(after->vms.size(), 2u);

  // An empty delta of a state this host does not hold: dropped, and the whole state pulled.
  server.Answer(
      {{"revision", 14}, {"changed", true}, {"delta_from", 13}, {"delta", json::object()}});
  DesiredState fresh;
  fresh.revision = 14;
  json f(fresh);
  f["vms"] = json::array({Vm("i-3", 1)});
  server.Answer(f);
  auto refetched = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(refetched.ok()) << refetched.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=0");
  ASSERT_EQ(refetched->vms.size(), 1u);
  EXPECT_EQ(refetched->vms[0].instance_id, "i-3");
}

// Samples go as text (model/guest_sample_text.h); a server that refuses text (one older than
// it, which reads JSON only) gets the same samples as JSON at once, and JSON from then on.
TEST(HttpAgentChannelTest, SamplesGoAsTextAndAsJsonToAServerThatRefusesText) {
  for (bool old_server : {false, true}) {
    std::mutex mu;
    std::vector<std::string> bodies;
    std::vector<std::vector<GuestSample>> read;
    auto started = HttpServer::Start("127.0.0.1:0", 1, [&](const HttpRequest& req) {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(req.body);
      auto samples =
          old_server || req.body[0] == '{' ? ParseSamples(req.body) : ParseSamplesText(req.body);
      HttpResponse r;
      r.status = samples.ok() ? 200 : 400;
      r.body = samples.ok() ? "{}" : R"({"error":"malformed agent request"})";
      if (samples.ok()) read.push_back(*samples);
      return r;
    });
    ASSERT_TRUE(started.ok());
    HttpAgentChannel channel("http://127.0.0.1:" + std::to_string((*started)->port()), "token");
    GuestSample s;
    s.instance_id = "i-1";
    s.cpu_ns = 42;
    s.disks["d-1"].read_ops = 7;
    for (int k = 0; k < 2; ++k) ASSERT_TRUE(channel.ReportMetrics("h-1", {s}).ok());
    (*started)->Stop();
    ASSERT_EQ(read.size(), 2u) << old_server;
    for (const auto& got : read) {
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].cpu_ns, 42);
      EXPECT_EQ(got[0].disks.at("d-1").read_ops, 7);
    }
    std::vector<char> firsts;
    for (const auto& b : bodies) firsts.push_back(b[0]);
    EXPECT_EQ(firsts,
              old_server ? std::vector<char>({'o', '{', '{'}) : std::vector<char>({'o', 'o'}));
  }
}

}  // namespace
}  // namespace openecs
