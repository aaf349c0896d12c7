#pragma once
// CloudTest: the GoogleTest fixture shared by the service tests that run against a real SQLite
// store (header-only; test code only).
//
// The contract:
//  - SetUp makes a fresh temporary directory (dir_, under std::filesystem::temp_directory_path,
//    so $TMPDIR is honoured), opens the store "sqlite:<dir_>/db" in it (store_) and a Cloud on
//    that store (cloud_) with the configuration Config() returns.
//  - TearDown closes the Cloud, then the store, and removes the directory with everything in it
//    (std::filesystem::remove_all); a directory that cannot be removed fails the test.
//  - A fixture deriving from CloudTest that seeds records overrides SetUp, calls
//    CloudTest::SetUp() first and seeds after it. One whose Config() needs a member (a
//    SecretBox) sets that member up before calling CloudTest::SetUp(). One that overrides
//    TearDown drops what refers to the Cloud (an AgentService) first, then calls
//    CloudTest::TearDown(); members of the deriving fixture outlive the Cloud, since TearDown
//    closes it before any member is destroyed.
//  - Config() is the hook for a configuration other than CloudConfig{} (a SecretBox, quota
//    defaults). It is asked at SetUp and again at every reopen, so a restart keeps it.
//  - ReopenCloud() drops the Cloud and opens a new one on the same store, which loads every
//    record again from it, as a restart of the server does; ReopenCloud(config) does so with
//    another configuration. ReopenStore() closes the store too and opens it again from its file
//    before the new Cloud. Whatever held a reference to the old Cloud (an AgentService) must be
//    made again after either.
//  - Opening that fails (the directory, the store, the Cloud) throws std::runtime_error, which
//    GoogleTest reports as the test's failure: no test body runs without a store and a Cloud.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "service/cloud.h"
#include "store/store.h"

namespace openecs {

class CloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "openecs-cloudtest-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + tmpl + ": " + std::generic_category().message(errno));
    dir_ = tmpl;
    OpenStore();
    OpenCloud(Config());
  }

  void TearDown() override {
    cloud_.reset();
    store_.reset();
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (ec) ADD_FAILURE() << "could not remove " << dir_ << ": " << ec.message();
  }

  // The configuration of every Cloud the fixture opens; override it for another one.
  virtual CloudConfig Config() { return CloudConfig{}; }

  // Drops the Cloud and opens a new one on the same store (Config(), or `config`).
  void ReopenCloud() { ReopenCloud(Config()); }
  void ReopenCloud(const CloudConfig& config) {
    cloud_.reset();
    OpenCloud(config);
  }
  // Closes the Cloud and the store, and opens both again on the same file.
  void ReopenStore() {
    cloud_.reset();
    store_.reset();
    OpenStore();
    OpenCloud(Config());
  }

  std::string dir_;               // the temporary directory; the store's file is dir_ + "/db"
  std::unique_ptr<Store> store_;  // open from SetUp to TearDown
  std::unique_ptr<Cloud> cloud_;  // on store_

 private:
  void OpenStore() {
    auto store = Store::Open("sqlite:" + dir_ + "/db");
    if (!store.ok()) throw std::runtime_error("Store::Open: " + store.error().message);
    store_ = std::move(store).value();
  }
  void OpenCloud(const CloudConfig& config) {
    auto cloud = Cloud::Open(store_.get(), config);
    if (!cloud.ok()) throw std::runtime_error("Cloud::Open: " + cloud.error().message);
    cloud_ = std::move(cloud).value();
  }
};

// Seeds, as records, what RunInstances needs of `account` in region "local": VPC vpc-1
// (192.168.0.0/16), vSwitch vsw-1 (192.168.1.0/24 in `zone`), security group sg-1.
inline void PutNetwork(Txn& txn, const std::string& account, const std::string& zone) {
  Vpc vpc;
  vpc.id = "vpc-1";
  vpc.account_id = account;
  vpc.region_id = "local";
  vpc.cidr_block = "192.168.0.0/16";
  txn.Put(vpc);
  VSwitch vsw;
  vsw.id = "vsw-1";
  vsw.account_id = account;
  vsw.region_id = "local";
  vsw.vpc_id = "vpc-1";
  vsw.zone_id = zone;
  vsw.cidr_block = "192.168.1.0/24";
  txn.Put(vsw);
  SecurityGroup sg;
  sg.id = "sg-1";
  sg.account_id = account;
  sg.region_id = "local";
  sg.vpc_id = "vpc-1";
  txn.Put(sg);
}

}  // namespace openecs
