#include "iam/policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace openecs {
namespace {

ParsedPolicy MustParse(const std::string& doc) {
  auto p = ParsedPolicy::Parse(doc);
  EXPECT_TRUE(p.ok()) << doc << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : ParsedPolicy();
}

// A one-statement document.
std::string Doc(const std::string& effect, const std::string& action, const std::string& resource,
                const std::string& condition = "") {
  std::string s = R"({"Version": "1", "Statement": [{"Effect": ")" + effect + R"(", "Action": )" +
                  action + R"(, "Resource": )" + resource;
  if (!condition.empty()) s += R"(, "Condition": )" + condition;
  return s + "}]}";
}

AuthRequest Req(const std::string& action, const std::string& resource = "*",
                std::map<std::string, std::vector<std::string>> conditions = {}) {
  return AuthRequest{.action = action, .resource = resource, .conditions = std::move(conditions)};
}

// Allow on everything when `condition` holds for `conditions`.
bool ConditionAllows(const std::string& condition,
                     std::map<std::string, std::vector<std::string>> conditions) {
  ParsedPolicy p = MustParse(Doc("Allow", R"("*")", R"("*")", condition));
  return p.Evaluate(Req("ecs:DescribeInstances", "*", std::move(conditions))) ==
         PolicyDecision::kAllow;
}

// ---- WildcardMatch ------------------------------------------------------------------------

TEST(WildcardMatch, Basics) {
  EXPECT_TRUE(WildcardMatch("ecs:Describe*", "ecs:DescribeInstances", false));   // prefix
  EXPECT_TRUE(WildcardMatch("*Instances", "ecs:DescribeInstances", false));      // suffix
  EXPECT_TRUE(WildcardMatch("ecs:*Instances", "ecs:DescribeInstances", false));  // middle
  EXPECT_TRUE(WildcardMatch("acs:ecs:*:*:instance/*", "acs:ecs:local:12:instance/i-1", false));
  EXPECT_FALSE(WildcardMatch("acs:ecs:*:*:instance/*", "acs:ecs:local:12:disk/d-1", false));
  EXPECT_TRUE(WildcardMatch("i-???", "i-abc", false));
  EXPECT_FALSE(WildcardMatch("i-???", "i-ab", false));
  EXPECT_FALSE(WildcardMatch("i-???", "i-abcd", false));
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("", "", false));
  EXPECT_FALSE(WildcardMatch("", "a", false));
  EXPECT_FALSE(WildcardMatch("?", "", false));
  EXPECT_TRUE(WildcardMatch("***a***", "a", false));
  EXPECT_TRUE(WildcardMatch("*a*b*c*", "xxaxxbxxcxx", false));
  EXPECT_FALSE(WildcardMatch("*a*b*c*", "xxaxxcxxbxx", false));
  EXPECT_TRUE(WildcardMatch("a*b?d*", "aXXbcdYY", false));
  EXPECT_TRUE(WildcardMatch("*ab", "aab", false));  // needs the backtrack
  EXPECT_FALSE(WildcardMatch("exact", "exactly", false));
  EXPECT_FALSE(WildcardMatch("exactly", "exact", false));
}

TEST(WildcardMatch, CaseRules) {
  EXPECT_TRUE(WildcardMatch("ecs:describe*", "ECS:DescribeInstances", true));
  EXPECT_FALSE(WildcardMatch("ecs:describe*", "ecs:DescribeInstances", false));
}

TEST(WildcardMatch, HostilePatternsFinishFast) {
  std::string stars;  // "*a*a*a...*b": exponential for a naive recursive matcher
  while (stars.size() < 6000) stars += "*a";
  stars += "*b";
  std::string text(6000, 'a');
  std::string long_tail = "*" + std::string(3000, 'a') + "b";  // worst case for backtracking
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(WildcardMatch(stars, text, false));
  EXPECT_TRUE(WildcardMatch(stars, text + "b", false));
  EXPECT_FALSE(WildcardMatch(long_tail, text, true));
  EXPECT_TRUE(WildcardMatch(long_tail, text + "b", true));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// ---- Evaluation ---------------------------------------------------------------------------

TEST(Policy, ActionCaseInsensitiveResourceCaseSensitive) {
  ParsedPolicy p =
      MustParse(Doc("Allow", R"("ecs:describeinstances")", R"("acs:ecs:*:*:instance/i-abc")"));
  EXPECT_EQ(p.Evaluate(Req("ecs:DescribeInstances", "acs:ecs:local:1:instance/i-abc")),
            PolicyDecision::kAllow);
  EXPECT_EQ(p.Evaluate(Req("ECS:DESCRIBEINSTANCES", "acs:ecs:local:1:instance/i-abc")),
            PolicyDecision::kAllow);
  EXPECT_EQ(p.Evaluate(Req("ecs:DescribeInstances", "acs:ecs:local:1:instance/i-ABC")),
            PolicyDecision::kImplicitDeny);
  EXPECT_EQ(p.Evaluate(Req("ecs:DeleteInstance", "acs:ecs:local:1:instance/i-abc")),
            PolicyDecision::kImplicitDeny);
}

TEST(Policy, DenyBeatsAllowAcrossPolicies) {
  ParsedPolicy allow = MustParse(Doc("Allow", R"("ecs:*")", R"("*")"));
  ParsedPolicy deny = MustParse(Doc("Deny", R"("ecs:DeleteInstance")", R"("*")"));
  AuthRequest del = Req("ecs:DeleteInstance", "acs:ecs:local:1:instance/i-1");
  AuthRequest run = Req("ecs:RunInstances", "acs:ecs:local:1:instance/*");
  EXPECT_EQ(Evaluate({&allow, &deny}, del), PolicyDecision::kExplicitDeny);
  EXPECT_EQ(Evaluate({&deny, &allow}, del), PolicyDecision::kExplicitDeny);
  EXPECT_EQ(Evaluate({&allow, &deny}, run), PolicyDecision::kAllow);
  EXPECT_EQ(Evaluate({&deny}, run), PolicyDecision::kImplicitDeny);
  EXPECT_EQ(Evaluate({}, run), PolicyDecision::kImplicitDeny);
}

TEST(Policy, DenyBeatsAllowWithinOnePolicy) {
  ParsedPolicy p = MustParse(R"({"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Deny", "Action": ["ram:*", "ecs:Delete*"], "Resource": "*"}]})");
  EXPECT_EQ(p.Evaluate(Req("ecs:DeleteDisk")), PolicyDecision::kExplicitDeny);
  EXPECT_EQ(p.Evaluate(Req("ram:CreateUser")), PolicyDecision::kExplicitDeny);
  EXPECT_EQ(p.Evaluate(Req("ecs:CreateDisk")), PolicyDecision::kAllow);
}

TEST(Policy, NotActionAndNotResource) {
  ParsedPolicy not_action = MustParse(
      R"({"Version": "1", "Statement": {"Effect": "Allow", "NotAction": ["ram:*", "sts:*"],
          "Resource": "*"}})");
  EXPECT_EQ(not_action.Evaluate(Req("ecs:RunInstances")), PolicyDecision::kAllow);
  EXPECT_EQ(not_action.Evaluate(Req("RAM:CreateUser")), PolicyDecision::kImplicitDeny);
  ParsedPolicy not_resource = MustParse(
      R"({"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:*",
          "NotResource": "acs:ecs:*:*:instance/i-sandbox*"}]})");
  EXPECT_EQ(not_resource.Evaluate(Req("ecs:StopInstance", "acs:ecs:local:1:instance/i-prod")),
            PolicyDecision::kExplicitDeny);
  EXPECT_EQ(not_resource.Evaluate(Req("ecs:StopInstance", "acs:ecs:local:1:instance/i-sandbox1")),
            PolicyDecision::kImplicitDeny);
}

// ---- Conditions ---------------------------------------------------------------------------

TEST(Conditions, StringOperators) {
  const std::string eq = R"({"StringEquals": {"ecs:tag/env": ["prod", "staging"]}})";
  EXPECT_TRUE(ConditionAllows(eq, {{"ecs:tag/env", {"prod"}}}));
  EXPECT_TRUE(ConditionAllows(eq, {{"ecs:tag/env", {"dev", "staging"}}}));  // any request value
  EXPECT_FALSE(ConditionAllows(eq, {{"ecs:tag/env", {"Prod"}}}));
  EXPECT_FALSE(ConditionAllows(eq, {}));  // missing key: positive operator false

  const std::string ne = R"({"StringNotEquals": {"ecs:tag/env": ["prod", "staging"]}})";
  EXPECT_TRUE(ConditionAllows(ne, {{"ecs:tag/env", {"dev"}}}));
  EXPECT_FALSE(ConditionAllows(ne, {{"ecs:tag/env", {"staging"}}}));
  EXPECT_TRUE(ConditionAllows(ne, {}));  // missing key: negated operator true

  const std::string ic = R"({"StringEqualsIgnoreCase": {"ecs:tag/env": "PROD"}})";
  EXPECT_TRUE(ConditionAllows(ic, {{"ecs:tag/env", {"prod"}}}));
  EXPECT_FALSE(ConditionAllows(ic, {{"ecs:tag/env", {"dev"}}}));
  const std::string nic = R"({"StringNotEqualsIgnoreCase": {"ecs:tag/env": "PROD"}})";
  EXPECT_FALSE(ConditionAllows(nic, {{"ecs:tag/env", {"prod"}}}));
  EXPECT_TRUE(ConditionAllows(nic, {{"ecs:tag/env", {"dev"}}}));
  EXPECT_TRUE(ConditionAllows(nic, {}));

  const std::string like = R"({"StringLike": {"ram:username": "ops-*"}})";
  EXPECT_TRUE(ConditionAllows(like, {{"ram:username", {"ops-alice"}}}));
  EXPECT_FALSE(ConditionAllows(like, {{"ram:username", {"OPS-alice"}}}));
  EXPECT_FALSE(ConditionAllows(like, {}));
  const std::string not_like = R"({"StringNotLike": {"ram:username": ["ops-*", "root"]}})";
  EXPECT_TRUE(ConditionAllows(not_like, {{"ram:username", {"dev-bob"}}}));
  EXPECT_FALSE(ConditionAllows(not_like, {{"ram:username", {"root"}}}));
  EXPECT_TRUE(ConditionAllows(not_like, {}));
}

TEST(Conditions, KeysAreCaseInsensitiveAndConditionsAnded) {
  const std::string c = R"({"StringEquals": {"ECS:Tag/Env": "prod", "ecs:tag/team": "a"},
                            "Bool": {"acs:SecureTransport": true}})";
  EXPECT_TRUE(ConditionAllows(
      c, {{"ecs:tag/env", {"prod"}}, {"ecs:tag/team", {"a"}}, {"acs:securetransport", {"true"}}}));
  EXPECT_FALSE(ConditionAllows(c, {{"ecs:tag/env", {"prod"}}, {"ecs:tag/team", {"a"}}}));
  EXPECT_FALSE(ConditionAllows(
      c, {{"ecs:tag/env", {"prod"}}, {"ecs:tag/team", {"b"}}, {"acs:securetransport", {"true"}}}));
}

TEST(Conditions, NumericOperators) {
  auto allows = [](const std::string& op, const std::string& request) {
    return ConditionAllows(R"({")" + op + R"(": {"ecs:count": 10}})", {{"ecs:count", {request}}});
  };
  EXPECT_TRUE(allows("NumericEquals", "10"));
  EXPECT_TRUE(allows("NumericEquals", "10.0"));
  EXPECT_FALSE(allows("NumericEquals", "11"));
  EXPECT_TRUE(allows("NumericNotEquals", "11"));
  EXPECT_FALSE(allows("NumericNotEquals", "10"));
  EXPECT_TRUE(allows("NumericLessThan", "9.5"));
  EXPECT_FALSE(allows("NumericLessThan", "10"));
  EXPECT_TRUE(allows("NumericLessThanEquals", "10"));
  EXPECT_FALSE(allows("NumericLessThanEquals", "10.5"));
  EXPECT_TRUE(allows("NumericGreaterThan", "11"));
  EXPECT_FALSE(allows("NumericGreaterThan", "10"));
  EXPECT_TRUE(allows("NumericGreaterThanEquals", "10"));
  EXPECT_FALSE(allows("NumericGreaterThanEquals", "-3"));
  // An unreadable request value makes every comparison false, negated ones included.
  EXPECT_FALSE(allows("NumericEquals", "ten"));
  EXPECT_FALSE(allows("NumericNotEquals", "ten"));
  EXPECT_FALSE(ConditionAllows(R"({"NumericLessThan": {"ecs:count": "5"}})", {}));
  EXPECT_TRUE(ConditionAllows(R"({"NumericNotEquals": {"ecs:count": "5"}})", {}));
}

TEST(Conditions, DateOperatorsBothFormats) {
  const std::string before = R"({"DateLessThan": {"acs:CurrentTime": "2026-12-31T23:59:59Z"}})";
  EXPECT_TRUE(ConditionAllows(before, {{"acs:currenttime", {"2026-12-04T05:00:00Z"}}}));
  EXPECT_TRUE(ConditionAllows(before, {{"acs:currenttime", {"2026-12-31T23:59:58.5Z"}}}));
  EXPECT_FALSE(ConditionAllows(before, {{"acs:currenttime", {"2027-01-01T00:00Z"}}}));
  EXPECT_FALSE(ConditionAllows(before, {{"acs:currenttime", {"yesterday"}}}));
  EXPECT_FALSE(ConditionAllows(before, {}));
  // 2026-12-31T23:59:59Z is 1798761599 in epoch seconds.
  EXPECT_TRUE(ConditionAllows(before, {{"acs:currenttime", {"1798761598"}}}));
  EXPECT_FALSE(ConditionAllows(before, {{"acs:currenttime", {"1798761599"}}}));
  const std::string eq = R"({"DateEquals": {"acs:currenttime": 1798761599}})";
  EXPECT_TRUE(ConditionAllows(eq, {{"acs:currenttime", {"2026-12-31T23:59:59Z"}}}));
  EXPECT_TRUE(ConditionAllows(eq, {{"acs:currenttime", {"2026-12-31T23:59:59.000Z"}}}));
  EXPECT_FALSE(ConditionAllows(eq, {{"acs:currenttime", {"2026-12-31T23:59Z"}}}));
  const std::string ne = R"({"DateNotEquals": {"acs:currenttime": "1970-01-01T00:00Z"}})";
  EXPECT_FALSE(ConditionAllows(ne, {{"acs:currenttime", {"0"}}}));
  EXPECT_TRUE(ConditionAllows(ne, {{"acs:currenttime", {"1"}}}));
  const std::string le = R"({"DateLessThanEquals": {"acs:currenttime": "2024-02-29T12:00Z"}})";
  EXPECT_TRUE(ConditionAllows(le, {{"acs:currenttime", {"2024-02-29T12:00:00Z"}}}));
  EXPECT_FALSE(ConditionAllows(le, {{"acs:currenttime", {"2024-02-29T12:00:01Z"}}}));
  const std::string gt = R"({"DateGreaterThan": {"acs:currenttime": "2026-01-01T00:00:00Z"}})";
  EXPECT_TRUE(ConditionAllows(gt, {{"acs:currenttime", {"2026-01-01T00:00:01Z"}}}));
  EXPECT_FALSE(ConditionAllows(gt, {{"acs:currenttime", {"2026-01-01T00:00:00Z"}}}));
  const std::string ge = R"({"DateGreaterThanEquals": {"acs:currenttime": "2026-01-01T00:00Z"}})";
  EXPECT_TRUE(ConditionAllows(ge, {{"acs:currenttime", {"2026-01-01T00:00:00Z"}}}));
  EXPECT_FALSE(ConditionAllows(ge, {{"acs:currenttime", {"2025-12-31T23:59:59Z"}}}));
}

TEST(Conditions, Bool) {
  const std::string c = R"({"Bool": {"acs:SecureTransport": "True"}})";
  EXPECT_TRUE(ConditionAllows(c, {{"acs:securetransport", {"true"}}}));
  EXPECT_TRUE(ConditionAllows(c, {{"acs:securetransport", {"TRUE"}}}));
  EXPECT_FALSE(ConditionAllows(c, {{"acs:securetransport", {"false"}}}));
  EXPECT_FALSE(ConditionAllows(c, {{"acs:securetransport", {"yes"}}}));
  EXPECT_FALSE(ConditionAllows(c, {}));
  EXPECT_TRUE(
      ConditionAllows(R"({"Bool": {"acs:mfapresent": false}})", {{"acs:mfapresent", {"false"}}}));
}

TEST(Conditions, IpAddressAndCidr) {
  const std::string in = R"({"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.1.7"]}})";
  EXPECT_TRUE(ConditionAllows(in, {{"acs:sourceip", {"10.20.30.40"}}}));
  EXPECT_TRUE(ConditionAllows(in, {{"acs:sourceip", {"192.168.1.7"}}}));
  EXPECT_FALSE(ConditionAllows(in, {{"acs:sourceip", {"192.168.1.8"}}}));
  EXPECT_FALSE(ConditionAllows(in, {{"acs:sourceip", {"11.0.0.1"}}}));
  EXPECT_FALSE(ConditionAllows(in, {{"acs:sourceip", {"not-an-ip"}}}));
  EXPECT_FALSE(ConditionAllows(in, {}));
  const std::string out = R"({"NotIpAddress": {"acs:sourceip": "10.1.0.0/16"}})";
  EXPECT_TRUE(ConditionAllows(out, {{"acs:sourceip", {"10.2.0.1"}}}));
  EXPECT_FALSE(ConditionAllows(out, {{"acs:sourceip", {"10.1.255.255"}}}));
  EXPECT_TRUE(ConditionAllows(out, {}));
  const std::string all = R"({"IpAddress": {"acs:sourceip": "0.0.0.0/0"}})";
  EXPECT_TRUE(ConditionAllows(all, {{"acs:sourceip", {"255.255.255.255"}}}));
  EXPECT_TRUE(ConditionAllows(all, {{"acs:sourceip", {"0.0.0.0"}}}));
  // Host bits in a policy CIDR are ignored.
  EXPECT_TRUE(ConditionAllows(R"({"IpAddress": {"acs:sourceip": "172.16.5.9/12"}})",
                              {{"acs:sourceip", {"172.31.0.1"}}}));
}

TEST(Conditions, DenyWithConditionOnlyWhenItHolds) {
  ParsedPolicy allow = MustParse(Doc("Allow", R"("ecs:*")", R"("*")"));
  ParsedPolicy deny = MustParse(
      Doc("Deny", R"("*")", R"("*")", R"({"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}})"));
  EXPECT_EQ(
      Evaluate({&allow, &deny}, Req("ecs:RunInstances", "*", {{"acs:sourceip", {"8.8.8.8"}}})),
      PolicyDecision::kExplicitDeny);
  EXPECT_EQ(
      Evaluate({&allow, &deny}, Req("ecs:RunInstances", "*", {{"acs:sourceip", {"10.9.9.9"}}})),
      PolicyDecision::kAllow);
}

// ---- Parsing ------------------------------------------------------------------------------

TEST(Parse, ValuesAndKeysAreNormalized) {
  ParsedPolicy p = MustParse(Doc("Deny", R"(["ecs:RunInstances", "ecs:StartInstance"])",
                                 R"(["acs:ecs:*:*:instance/*"])",
                                 R"({"NumericEquals": {"ECS:Count": [1, 2.5]},
                                     "Bool": {"acs:MFAPresent": true}})"));
  ASSERT_EQ(p.statements().size(), 1u);
  const PolicyStatement& s = p.statements()[0];
  EXPECT_FALSE(s.allow);
  EXPECT_FALSE(s.not_action);
  EXPECT_EQ(s.actions, (std::vector<std::string>{"ecs:RunInstances", "ecs:StartInstance"}));
  EXPECT_EQ(s.resources, (std::vector<std::string>{"acs:ecs:*:*:instance/*"}));
  ASSERT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.conditions[0].op, "Bool");
  EXPECT_EQ(s.conditions[0].key, "acs:mfapresent");
  EXPECT_EQ(s.conditions[0].values, (std::vector<std::string>{"true"}));
  EXPECT_EQ(s.conditions[1].op, "NumericEquals");
  EXPECT_EQ(s.conditions[1].key, "ecs:count");
  EXPECT_EQ(s.conditions[1].values, (std::vector<std::string>{"1", "2.5"}));
}

TEST(Parse, SingleStatementObjectAccepted) {
  ParsedPolicy p = MustParse(
      R"({"Version": "1", "Statement": {"Effect": "Allow", "Action": "ecs:Describe*",
          "Resource": "*"}})");
  ASSERT_EQ(p.statements().size(), 1u);
  EXPECT_EQ(p.Evaluate(Req("ecs:DescribeDisks")), PolicyDecision::kAllow);
}

TEST(Parse, MalformedDocumentsRejected) {
  const std::string stmt_ok = R"("Effect": "Allow", "Action": "ecs:*", "Resource": "*")";
  auto wrap = [](const std::string& statement) {
    return R"({"Version": "1", "Statement": [{)" + statement + "}]}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not JSON", "{\"Version\": \"1\", "},
      {"empty", ""},
      {"not an object", R"(["Version", "1"])"},
      {"Version 2", R"({"Version": "2", "Statement": [{)" + stmt_ok + "}]}"},
      {"Version number", R"({"Version": 1, "Statement": [{)" + stmt_ok + "}]}"},
      {"no Version", R"({"Statement": [{)" + stmt_ok + "}]}"},
      {"no Statement", R"({"Version": "1"})"},
      {"empty Statement", R"({"Version": "1", "Statement": []})"},
      {"Statement string", R"({"Version": "1", "Statement": "x"})"},
      {"Effect Maybe", wrap(R"("Effect": "Maybe", "Action": "ecs:*", "Resource": "*")")},
      {"no Effect", wrap(R"("Action": "ecs:*", "Resource": "*")")},
      {"no Action", wrap(R"("Effect": "Allow", "Resource": "*")")},
      {"both Action forms",
       wrap(R"("Effect": "Allow", "Action": "ecs:*", "NotAction": "ram:*", "Resource": "*")")},
      {"empty Action list", wrap(R"("Effect": "Allow", "Action": [], "Resource": "*")")},
      {"Action number", wrap(R"("Effect": "Allow", "Action": 5, "Resource": "*")")},
      {"no product prefix",
       wrap(R"("Effect": "Allow", "Action": "DescribeInstances", "Resource": "*")")},
      {"empty product prefix",
       wrap(R"("Effect": "Allow", "Action": ":DescribeInstances", "Resource": "*")")},
      {"no Resource", wrap(R"("Effect": "Allow", "Action": "ecs:*")")},
      {"both Resource forms",
       wrap(R"("Effect": "Allow", "Action": "ecs:*", "Resource": "*", "NotResource": "x")")},
      {"unknown operator", wrap(stmt_ok + R"(, "Condition": {"StringEqualz": {"a:b": "c"}})")},
      {"IfExists not supported",
       wrap(stmt_ok + R"(, "Condition": {"StringEqualsIfExists": {"a:b": "c"}})")},
      {"condition value object",
       wrap(stmt_ok + R"(, "Condition": {"StringEquals": {"a:b": {"c": "d"}}})")},
      {"condition value null", wrap(stmt_ok + R"(, "Condition": {"StringEquals": {"a:b": null}})")},
      {"condition list of lists",
       wrap(stmt_ok + R"(, "Condition": {"StringEquals": {"a:b": [["c"]]}})")},
      {"operator not an object", wrap(stmt_ok + R"(, "Condition": {"StringEquals": "c"})")},
      {"bad CIDR",
       wrap(stmt_ok + R"(, "Condition": {"IpAddress": {"acs:sourceip": "10.0.0.300"}})")},
      {"bad number", wrap(stmt_ok + R"(, "Condition": {"NumericEquals": {"a:b": "ten"}})")},
      {"bad date",
       wrap(stmt_ok + R"(, "Condition": {"DateLessThan": {"a:b": "2026-02-30T00:00Z"}})")},
      {"bad bool", wrap(stmt_ok + R"(, "Condition": {"Bool": {"a:b": "yes"}})")},
  };
  for (const auto& [name, doc] : cases) {
    auto p = ParsedPolicy::Parse(doc);
    ASSERT_FALSE(p.ok()) << name;
    EXPECT_EQ(p.error().code, ErrorCode::kMalformedPolicyDocument) << name;
    EXPECT_FALSE(p.error().message.empty()) << name;
  }
}

TEST(Parse, SizeLimit) {
  auto padded = [](size_t total) {
    std::string head = R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", )"
                       R"("Resource": "*", "Sid": ")";
    std::string tail = "\"}]}";
    return head + std::string(total - head.size() - tail.size(), 'x') + tail;
  };
  EXPECT_TRUE(ParsedPolicy::Parse(padded(6144)).ok());
  auto big = ParsedPolicy::Parse(padded(6145));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kMalformedPolicyDocument);
}

TEST(Parse, ErrorCodeOnTheWire) {
  EXPECT_EQ(Describe(ErrorCode::kMalformedPolicyDocument).code, "MalformedPolicyDocument");
  EXPECT_EQ(Describe(ErrorCode::kMalformedPolicyDocument).http_status, 400);
}

// ---- System policies ----------------------------------------------------------------------

TEST(SystemPolicies, AllParse) {
  ASSERT_EQ(SystemPolicies().size(), 8u);
  for (const SystemPolicy& sp : SystemPolicies()) {
    EXPECT_TRUE(ParsedPolicy::Parse(sp.document).ok()) << sp.name;
    EXPECT_EQ(FindSystemPolicy(sp.name), &sp);
    EXPECT_NE(std::string(sp.description), "") << sp.name;
  }
  EXPECT_EQ(FindSystemPolicy("NoSuchPolicy"), nullptr);
  EXPECT_EQ(FindSystemPolicy("administratoraccess"), nullptr);  // exact names only
}

PolicyDecision SystemDecision(const std::string& name, const std::string& action) {
  const SystemPolicy* sp = FindSystemPolicy(name);
  if (sp == nullptr) return PolicyDecision::kExplicitDeny;
  return MustParse(sp->document).Evaluate(Req(action, "acs:ecs:local:1:instance/i-1"));
}

TEST(SystemPolicies, Grants) {
  EXPECT_EQ(SystemDecision("AdministratorAccess", "ram:CreateUser"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunECSReadOnlyAccess", "ecs:DescribeInstances"),
            PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunECSReadOnlyAccess", "ecs:ListTagResources"),
            PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunECSReadOnlyAccess", "ecs:DeleteInstance"),
            PolicyDecision::kImplicitDeny);
  EXPECT_EQ(SystemDecision("AliyunECSFullAccess", "ecs:DeleteInstance"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunECSFullAccess", "vpc:CreateVpc"), PolicyDecision::kImplicitDeny);
  EXPECT_EQ(SystemDecision("AliyunVPCReadOnlyAccess", "vpc:GetVpcAttribute"),
            PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunVPCReadOnlyAccess", "vpc:DeleteVpc"),
            PolicyDecision::kImplicitDeny);
  EXPECT_EQ(SystemDecision("AliyunVPCFullAccess", "vpc:DeleteVpc"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunRAMReadOnlyAccess", "ram:ListUsers"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunRAMReadOnlyAccess", "ram:CreateUser"),
            PolicyDecision::kImplicitDeny);
  EXPECT_EQ(SystemDecision("AliyunRAMFullAccess", "ram:CreateUser"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunSTSAssumeRoleAccess", "sts:AssumeRole"), PolicyDecision::kAllow);
  EXPECT_EQ(SystemDecision("AliyunSTSAssumeRoleAccess", "sts:GetCallerIdentity"),
            PolicyDecision::kImplicitDeny);
}

}  // namespace
}  // namespace openecs
