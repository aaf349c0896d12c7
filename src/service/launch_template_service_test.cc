// Launch templates against a real SQLite store: version numbering, the default version, the
// limits, all-or-none deletes, validation, per-account lookups, and how a version merges into a
// RunInstances request (request parameters win; lists merge as a whole).
#include "service/launch_template_service.h"

#include <gtest/gtest.h>

#include "service/cloud_test_fixture.h"

namespace openecs {
namespace {

class LaunchTemplateTest : public CloudTest {
 protected:
  Result<LaunchTemplate> Create(const std::string& name, LaunchTemplateData data = {},
                                const std::string& account = "acct") {
    return CreateLaunchTemplate(
        *cloud_,
        {.account_id = account, .region_id = "local", .name = name, .data = std::move(data)});
  }
};

template <typename T>
ErrorCode CodeOf(const Result<T>& r) {
  return r.error().code;
}

TEST_F(LaunchTemplateTest, VersionsAreNumberedAndTheDefaultCannotBeDeleted) {
  auto t = Create("web", {{"ImageId", "img"}, {"DeletionProtection", "TRUE"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->default_version, 1);
  EXPECT_EQ(t->versions.at(0).data.at("DeletionProtection"), "true");  // normalised
  LaunchTemplateRef by_name{.name = "web"};
  auto v2 = CreateLaunchTemplateVersion(*cloud_, "acct", by_name, "two", {{"ImageId", "img2"}});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->first, t->id);
  EXPECT_EQ(v2->second, 2);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplateVersions(*cloud_, "acct", by_name, {2, 1})),
            ErrorCode::kDeleteDefaultVersion);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplateVersions(*cloud_, "acct", by_name, {2, 7})),
            ErrorCode::kInvalidLaunchTemplateVersionNotFound);
  EXPECT_EQ(CodeOf(ModifyLaunchTemplateDefaultVersion(*cloud_, "acct", by_name, 9)),
            ErrorCode::kInvalidLaunchTemplateVersionNotFound);
  ASSERT_TRUE(ModifyLaunchTemplateDefaultVersion(*cloud_, "acct", by_name, 2).ok());
  ASSERT_TRUE(DeleteLaunchTemplateVersions(*cloud_, "acct", by_name, {1}).ok());
  // Numbers are not given twice, even after a delete; the records survive a reopen.
  auto v3 = CreateLaunchTemplateVersion(*cloud_, "acct", {.id = t->id}, "", {});
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(v3->second, 3);
  ReopenStore();
  auto data = ResolveLaunchTemplateVersion(*cloud_, "acct", by_name, std::nullopt);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->at("ImageId"), "img2");
  EXPECT_EQ(CodeOf(ResolveLaunchTemplateVersion(*cloud_, "acct", by_name, 1)),
            ErrorCode::kInvalidLaunchTemplateVersionNotFound);
}

TEST_F(LaunchTemplateTest, LimitsAndNames) {
  ASSERT_TRUE(Create("lt").ok());
  EXPECT_EQ(CodeOf(Create("lt")), ErrorCode::kLaunchTemplateNameDuplicated);
  EXPECT_TRUE(Create("lt", {}, "other").ok());  // names are per account
  for (const char* bad : {"", "x", "1abc", "http://a", "a b", "a\x1b"})
    EXPECT_EQ(CodeOf(Create(bad)), ErrorCode::kInvalidLaunchTemplateName) << bad;
  for (int i = 1; i < kMaxLaunchTemplates; ++i) ASSERT_TRUE(Create("lt" + std::to_string(i)).ok());
  EXPECT_EQ(CodeOf(Create("one-too-many")), ErrorCode::kLaunchTemplateLimitExceed);
  LaunchTemplateRef ref{.name = "lt"};
  for (int i = 1; i < kMaxLaunchTemplateVersions; ++i)
    ASSERT_TRUE(CreateLaunchTemplateVersion(*cloud_, "acct", ref, "", {}).ok());
  EXPECT_EQ(CodeOf(CreateLaunchTemplateVersion(*cloud_, "acct", ref, "", {})),
            ErrorCode::kLaunchTemplateVersionLimitExceed);
}

TEST_F(LaunchTemplateTest, LookupsAreOwned) {
  auto t = Create("mine");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(CodeOf(DeleteLaunchTemplate(*cloud_, "other", {.id = t->id})),
            ErrorCode::kInvalidLaunchTemplateNotFound);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplate(*cloud_, "other", {.name = "mine"})),
            ErrorCode::kInvalidLaunchTemplateNotFound);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplate(*cloud_, "acct", {.id = t->id, .name = "not-its-name"})),
            ErrorCode::kInvalidLaunchTemplateNotFound);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplate(*cloud_, "acct", {})), ErrorCode::kMissingParameter);
  auto gone = DeleteLaunchTemplate(*cloud_, "acct", {.name = "mine"});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->versions.size(), 1u);
  EXPECT_EQ(CodeOf(DeleteLaunchTemplate(*cloud_, "acct", {.id = t->id})),
            ErrorCode::kInvalidLaunchTemplateNotFound);
}

TEST_F(LaunchTemplateTest, ValidationRefusesBadValuesAndMakesNothing) {
  struct Case {
    LaunchTemplateData data;
    ErrorCode code;
  };
  const Case cases[] = {
      {{{"InstanceName", "1bad"}}, ErrorCode::kInvalidInstanceName},
      {{{"HostName", "-bad"}}, ErrorCode::kInvalidHostName},
      {{{"UserData", "not base64!"}}, ErrorCode::kInvalidUserDataBase64},
      {{{"HttpTokens", "sometimes"}}, ErrorCode::kInvalidHttpTokens},
      {{{"HttpPutResponseHopLimit", "65"}}, ErrorCode::kInvalidHttpPutResponseHopLimit},
      {{{"SpotStrategy", "Cheap"}}, ErrorCode::kInvalidSpotStrategy},
      {{{"InstanceChargeType", "Free"}}, ErrorCode::kInvalidParameter},
      {{{"SystemDisk.Size", "-1"}}, ErrorCode::kInvalidParameter},
      {{{"SystemDisk.Size", "9223372036854775808"}}, ErrorCode::kInvalidParameter},
      {{{"DataDisk.1.Size", "2.5"}}, ErrorCode::kInvalidParameter},
      {{{"AutoRenew", "maybe"}}, ErrorCode::kInvalidParameter},
      {{{"ImageId", "img\r\n"}}, ErrorCode::kInvalidParameter},
      {{{"Description", "https://spam"}}, ErrorCode::kInvalidDescription},
      {{{"Tag.1.Key", "aliyun-x"}}, ErrorCode::kInvalidTagKey},
      {{{"Tag.1.Key", "k"}, {"Tag.2.Key", "k"}}, ErrorCode::kDuplicateTagKey},
      {{{"SystemDisk.DiskName", "1disk"}}, ErrorCode::kInvalidDiskName},
  };
  for (const Case& c : cases) {
    auto r = Create("refused", c.data);
    ASSERT_FALSE(r.ok()) << c.data.begin()->first;
    EXPECT_EQ(r.error().code, c.code) << c.data.begin()->first << ": " << r.error().message;
  }
  LaunchTemplateData disks;
  for (int i = 1; i <= 17; ++i) disks["DataDisk." + std::to_string(i) + ".Size"] = "20";
  EXPECT_EQ(CodeOf(Create("refused", disks)), ErrorCode::kInvalidParameter);
  EXPECT_EQ(cloud_->Read<size_t>([](const State& s) { return s.launch_templates.size(); }), 0u);
}

TEST(LaunchTemplateData, SelectKeepsTemplateParametersOnly) {
  auto data = SelectLaunchTemplateData({{"ImageId", "img"},
                                        {"DataDisk.3.Size", "40"},
                                        {"NetworkInterface.1.SecurityGroupIds.2", "sg-2"},
                                        {"Password", "Secret123!"},
                                        {"Amount", "3"},
                                        {"InstanceName", ""}});
  EXPECT_EQ(data, (LaunchTemplateData{{"DataDisk.3.Size", "40"},
                                      {"ImageId", "img"},
                                      {"NetworkInterface.1.SecurityGroupIds.2", "sg-2"}}));
}

TEST(LaunchTemplateData, RequestParametersWinAndListsMergeWhole) {
  LaunchTemplateData tmpl = {{"ImageId", "img"},
                             {"InstanceName", "from-template"},
                             {"SystemDisk.Category", "cloud_essd"},
                             {"SystemDisk.Size", "40"},
                             {"DataDisk.1.Size", "20"},
                             {"DataDisk.2.Size", "30"},
                             {"SecurityGroupIds.1", "sg-a"},
                             {"SecurityGroupIds.2", "sg-b"},
                             {"Tag.1.Key", "team"},
                             {"Tag.1.Value", "web"}};
  auto merged = MergeLaunchTemplateData({{"InstanceName", "mine"},
                                         {"SystemDisk.Size", "60"},
                                         {"DataDisk.1.Category", "cloud_ssd"},
                                         {"DataDisk.1.Size", "50"},
                                         {"SecurityGroupId", "sg-x"},
                                         {"HostName", ""}},
                                        tmpl);
  EXPECT_EQ(merged, (std::map<std::string, std::string>{
                        {"DataDisk.1.Category", "cloud_ssd"},  // the request's disks only
                        {"DataDisk.1.Size", "50"},
                        {"HostName", ""},
                        {"ImageId", "img"},
                        {"InstanceName", "mine"},
                        {"SecurityGroupId", "sg-x"},  // replaces the template's groups
                        {"SystemDisk.Category", "cloud_essd"},
                        {"SystemDisk.Size", "60"},
                        {"Tag.1.Key", "team"},
                        {"Tag.1.Value", "web"}}));
  // An empty request value is no value: the template's fills it.
  EXPECT_EQ(MergeLaunchTemplateData({{"InstanceName", ""}}, tmpl).at("InstanceName"),
            "from-template");
}

}  // namespace
}  // namespace openecs
