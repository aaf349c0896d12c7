// HttpAgentChannel's pulls (agent/http_channel.h) against a scripted server: a whole state is
// held, a delta of it applied, an empty delta answers the state held at the new revision (read
// once, not again), and a delta that fits nothing held is dropped for the whole state.
#include "agent/http_channel.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_server.h"
#include "model/agent_protocol_json.h"

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

  // A quiet full sync: an empty delta of revision 5.
  server.Answer({{"revision", 6}, {"changed", true}, {"delta_from", 5}, {"delta", json::object()}});
  auto quiet = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=5");
  EXPECT_EQ(quiet->revision, 6);
  EXPECT_TRUE(quiet->changed);
  ASSERT_EQ(quiet->vms.size(), 2u);
  EXPECT_EQ(quiet->vms[1].instance_id, "i-2");
  EXPECT_EQ(quiet->pool_disks, std::vector<std::string>{"d-1"});

  // A change of one guest, as a delta of revision 6: applied to the state held.
  server.Answer({{"revision", 7},
                 {"changed", true},
                 {"delta_from", 6},
                 {"delta",
                  {{"lists",
                    {{"vms",
                      {{"key", "instance_id"},
                       {"order", {"i-1", "i-2"}},
                       {"upsert", json::array({Vm("i-2", 4)})}}}}}}}});
  auto changed = channel.Pull("h-1", 6, 0);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=6&wait_ms=0&base=6");
  ASSERT_EQ(changed->vms.size(), 2u);
  EXPECT_EQ(changed->vms[1].cpu, 4);

  // Empty again: the state with the change, not the one read before it.
  server.Answer({{"revision", 8}, {"changed", true}, {"delta_from", 7}, {"delta", json::object()}});
  auto again = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision, 8);
  ASSERT_EQ(again->vms.size(), 2u);
  EXPECT_EQ(again->vms[1].cpu, 4);

  // Nothing changed: no guests in the answer, and the state held is revision 9's.
  server.Answer({{"revision", 9}, {"changed", false}});
  auto none = channel.Pull("h-1", 8, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->changed);
  EXPECT_TRUE(none->vms.empty());
  server.Answer(
      {{"revision", 10}, {"changed", true}, {"delta_from", 9}, {"delta", json::object()}});
  auto after = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=9");
  EXPECT_EQ(after->revision, 10);
  EXPECT_EQ(after->vms.size(), 2u);

  // An empty delta of a state this host does not hold: dropped, and the whole state pulled.
  server.Answer(
      {{"revision", 12}, {"changed", true}, {"delta_from", 11}, {"delta", json::object()}});
  DesiredState fresh;
  fresh.revision = 12;
  json f(fresh);
  f["vms"] = json::array({Vm("i-3", 1)});
  server.Answer(f);
  auto refetched = channel.Pull("h-1", 0, 0);
  ASSERT_TRUE(refetched.ok()) << refetched.error().message;
  EXPECT_EQ(server.LastQuery(), "&since=0&wait_ms=0&base=0");
  ASSERT_EQ(refetched->vms.size(), 1u);
  EXPECT_EQ(refetched->vms[0].instance_id, "i-3");
}

}  // namespace
}  // namespace openecs
