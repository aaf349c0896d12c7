// A host's requests are let in without the cloud's lock (Cloud::HostPassOf, AgentService's
// Authenticate and PullAsync): the HTTP I/O threads call them, and must not queue the users'
// calls behind a Write.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <thread>

#include "service/agent_service.h"
#include "service/cloud_test_fixture.h"

namespace openecs {
namespace {

using std::chrono::seconds;

class AgentAuthTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    agent_ = std::make_unique<AgentService>(*cloud_);
    HostInfo info;
    info.name = "host-1";
    info.zone_id = "cn-hangzhou-a";
    info.vpc_data_plane = true;
    auto enrolled = agent_->Enrol(info, "");
    ASSERT_TRUE(enrolled.ok()) << enrolled.error().message;
    host_id_ = enrolled->first;
    key_ = enrolled->second;
  }
  void TearDown() override {
    agent_.reset();
    CloudTest::TearDown();
  }
  // The error Authenticate answers with; nullopt when it lets the host in.
  std::optional<ErrorCode> AuthCode(const std::string& host_id, const std::string& key) {
    Status st = agent_->Authenticate(host_id, key);
    if (st.ok()) return std::nullopt;
    return st.error().code;
  }

  std::unique_ptr<AgentService> agent_;
  std::string host_id_, key_;
};

TEST_F(AgentAuthTest, AHostKeyIsCheckedAndAPullTakenWhileAWriteHoldsTheLock) {
  std::promise<void> entered, release;
  std::shared_future<void> go = release.get_future().share();
  std::thread writer([&] {
    Status st = cloud_->Write([&](Txn&) -> Status {
      entered.set_value();
      go.wait();
      return Ok();
    });
    EXPECT_TRUE(st.ok());
  });
  entered.get_future().wait();
  // With the exclusive lock held: each of these must come back (a Read would wait for it).
  auto pulled = std::make_shared<std::promise<Result<HostPull>>>();
  auto checks = std::async(std::launch::async, [&] {
    std::vector<std::optional<ErrorCode>> out = {AuthCode(host_id_, key_),
                                                 AuthCode(host_id_, "not-the-key"),
                                                 AuthCode("host-unknown", key_)};
    agent_->PullAsync(host_id_, 0, 0,
                      [pulled](Result<HostPull> r) { pulled->set_value(std::move(r)); });
    return out;
  });
  bool returned = checks.wait_for(seconds(10)) == std::future_status::ready;
  release.set_value();
  writer.join();
  ASSERT_TRUE(returned) << "a host's key check or pull waited for the Write";
  std::vector<std::optional<ErrorCode>> codes = checks.get();
  EXPECT_EQ(codes[0], std::nullopt);
  EXPECT_EQ(codes[1], ErrorCode::kForbidden);
  EXPECT_EQ(codes[2], ErrorCode::kUnknownHost);
  // The pull itself is built once the Write is done, as the host's state.
  auto answer = pulled->get_future();
  ASSERT_EQ(answer.wait_for(seconds(10)), std::future_status::ready);
  Result<HostPull> pull = answer.get();
  ASSERT_TRUE(pull.ok()) << pull.error().message;
  EXPECT_TRUE(pull->state.changed);
}

TEST_F(AgentAuthTest, TheKeyCheckFollowsTheHostRecordThroughChangesAndARestart) {
  EXPECT_EQ(AuthCode(host_id_, key_), std::nullopt);
  agent_.reset();  // it holds the cloud's wake listener: gone before the cloud
  ReopenCloud();
  agent_ = std::make_unique<AgentService>(*cloud_);
  EXPECT_EQ(AuthCode(host_id_, key_), std::nullopt) << "the pass is loaded with the records";
  auto pass = cloud_->HostPassOf(host_id_);
  ASSERT_TRUE(pass);
  EXPECT_TRUE(pass->vpc_data_plane);
  // A host whose record loses its key (as one enrolled before keys existed) is refused.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Host& h = txn.state().hosts.at(host_id_);
                    h.key_hash.clear();
                    h.vpc_data_plane = false;
                    txn.Touch(h);
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(AuthCode(host_id_, key_), ErrorCode::kForbidden);
  EXPECT_FALSE(cloud_->HostPassOf(host_id_)->vpc_data_plane);
  // A host removed is unknown at once.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    txn.Erase<Host>(host_id_);
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(AuthCode(host_id_, key_), ErrorCode::kUnknownHost);
  EXPECT_FALSE(cloud_->HostPassOf(host_id_));
}

// The state's lock lets a waiting Write in before later Reads (common/rw_lock.h): a Read inside
// a Read (the same thread, the same cloud) must not queue behind that Write, which waits for the
// outer Read.
TEST_F(AgentAuthTest, AReadInsideAReadGoesOnWhileAWriteWaits) {
  std::promise<void> outer_in;
  auto reader = std::async(std::launch::async, [&] {
    return cloud_->Read<bool>([&](const State&) {
      outer_in.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the Write comes meanwhile
      return cloud_->Read<bool>([](const State& s) { return !s.hosts.empty(); });
    });
  });
  outer_in.get_future().wait();
  std::thread writer([&] { EXPECT_TRUE(cloud_->Write([](Txn&) { return Ok(); }).ok()); });
  if (reader.wait_for(seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "a Read inside a Read waited for a Write that waited for it";
    std::_Exit(1);  // the two threads wait for each other forever
  }
  EXPECT_TRUE(reader.get());
  writer.join();
}

}  // namespace
}  // namespace openecs
