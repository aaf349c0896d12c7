#include "iam/policy.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/ipv4.h"
#include "common/text.h"

namespace openecs {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxDocumentBytes = 6144;

Error Malformed(const std::string& what) {
  return MakeError(ErrorCode::kMalformedPolicyDocument,
                   "The policy document is malformed: " + what);
}

// ---- Condition operators ------------------------------------------------------------------

enum class ValueKind { kString, kStringIgnoreCase, kStringLike, kNumeric, kDate, kBool, kIp };
enum class Relation { kEq, kLt, kLe, kGt, kGe };

struct OperatorSpec {
  std::string_view name;
  ValueKind kind;
  Relation relation;
  bool negated;  // StringNotEquals, NotIpAddress, ...: holds when no pair of values matches
};

constexpr OperatorSpec kOperators[] = {
    {"StringEquals", ValueKind::kString, Relation::kEq, false},
    {"StringNotEquals", ValueKind::kString, Relation::kEq, true},
    {"StringEqualsIgnoreCase", ValueKind::kStringIgnoreCase, Relation::kEq, false},
    {"StringNotEqualsIgnoreCase", ValueKind::kStringIgnoreCase, Relation::kEq, true},
    {"StringLike", ValueKind::kStringLike, Relation::kEq, false},
    {"StringNotLike", ValueKind::kStringLike, Relation::kEq, true},
    {"NumericEquals", ValueKind::kNumeric, Relation::kEq, false},
    {"NumericNotEquals", ValueKind::kNumeric, Relation::kEq, true},
    {"NumericLessThan", ValueKind::kNumeric, Relation::kLt, false},
    {"NumericLessThanEquals", ValueKind::kNumeric, Relation::kLe, false},
    {"NumericGreaterThan", ValueKind::kNumeric, Relation::kGt, false},
    {"NumericGreaterThanEquals", ValueKind::kNumeric, Relation::kGe, false},
    {"DateEquals", ValueKind::kDate, Relation::kEq, false},
    {"DateNotEquals", ValueKind::kDate, Relation::kEq, true},
    {"DateLessThan", ValueKind::kDate, Relation::kLt, false},
    {"DateLessThanEquals", ValueKind::kDate, Relation::kLe, false},
    {"DateGreaterThan", ValueKind::kDate, Relation::kGt, false},
    {"DateGreaterThanEquals", ValueKind::kDate, Relation::kGe, false},
    {"Bool", ValueKind::kBool, Relation::kEq, false},
    {"IpAddress", ValueKind::kIp, Relation::kEq, false},
    {"NotIpAddress", ValueKind::kIp, Relation::kEq, true},
};

const OperatorSpec* FindOperator(std::string_view name) {
  for (const OperatorSpec& op : kOperators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

// ---- Typed values -------------------------------------------------------------------------

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// `n` decimal digits at s[pos], advancing pos.
std::optional<int> ReadDigits(std::string_view s, size_t& pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Plain decimal epoch seconds.
std::optional<double> ParseEpochSeconds(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return ParseNumber(s);
}

// "YYYY-MM-DDTHH:MMZ", "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.fffZ" (UTC).
std::optional<double> ParseIsoUtc(std::string_view s) {
  size_t pos = 0;
  auto year = ReadDigits(s, pos, 4);
  if (!year || !Expect(s, pos, '-')) return std::nullopt;
  auto month = ReadDigits(s, pos, 2);
  if (!month || !Expect(s, pos, '-')) return std::nullopt;
  auto day = ReadDigits(s, pos, 2);
  if (!day || !Expect(s, pos, 'T')) return std::nullopt;
  auto hour = ReadDigits(s, pos, 2);
  if (!hour || !Expect(s, pos, ':')) return std::nullopt;
  auto minute = ReadDigits(s, pos, 2);
  if (!minute) return std::nullopt;
  double seconds = 0;
  if (Expect(s, pos, ':')) {
    auto whole = ReadDigits(s, pos, 2);
    if (!whole || *whole > 59) return std::nullopt;
    seconds = *whole;
    if (Expect(s, pos, '.')) {
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start) return std::nullopt;
      seconds += *ParseNumber("0." + std::string(s.substr(start, pos - start)));
    }
  }
  if (!Expect(s, pos, 'Z') || pos != s.size()) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month) || *hour > 23 ||
      *minute > 59) {
    return std::nullopt;
  }
  const int64_t days = DaysFromCivil(*year, *month, *day);
  return static_cast<double>(days * 86400 + *hour * 3600 + *minute * 60) + seconds;
}

std::optional<double> ParseDate(std::string_view s) {
  if (auto epoch = ParseEpochSeconds(s)) return epoch;
  return ParseIsoUtc(s);
}

std::optional<bool> ParseBool(std::string_view s) {
  if (EqualsIgnoreCase(s, "true")) return true;
  if (EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

// An address is its /32; host bits of a CIDR are ignored, as RAM does.
std::optional<Cidr> ParseIpRange(std::string_view s) {
  if (s.find('/') != std::string_view::npos) return ParseCidr(s, /*strict=*/false);
  auto ip = ParseIpv4(s);
  if (!ip) return std::nullopt;
  return Cidr{*ip, 32};
}

bool InRange(const Cidr& range, uint32_t ip) {
  // Cidr::Contains' size() arithmetic does not cover 0.0.0.0/0 up to 255.255.255.255.
  uint32_t mask = range.prefix == 0 ? 0 : (0xffffffffu << (32 - range.prefix));
  return (ip & mask) == range.network;
}

bool Holds(Relation r, double request, double policy) {
  switch (r) {
    case Relation::kEq:
      return request == policy;
    case Relation::kLt:
      return request < policy;
    case Relation::kLe:
      return request <= policy;
    case Relation::kGt:
      return request > policy;
    case Relation::kGe:
      return request >= policy;
  }
  return false;
}

// Whether a policy value is readable by its operator (checked at Parse).
bool ValidPolicyValue(ValueKind kind, std::string_view v) {
  switch (kind) {
    case ValueKind::kNumeric:
      return ParseNumber(v).has_value();
    case ValueKind::kDate:
      return ParseDate(v).has_value();
    case ValueKind::kBool:
      return ParseBool(v).has_value();
    case ValueKind::kIp:
      return ParseIpRange(v).has_value();
    default:
      return true;
  }
}

// One request value against one policy value: true/false, or nullopt when either cannot be
// read for the operator's type.
std::optional<bool> Matches(const OperatorSpec& op, std::string_view request,
                            std::string_view policy) {
  switch (op.kind) {
    case ValueKind::kString:
      return request == policy;
    case ValueKind::kStringIgnoreCase:
      return EqualsIgnoreCase(request, policy);
    case ValueKind::kStringLike:
      return WildcardMatch(policy, request, /*ignore_case=*/false);
    case ValueKind::kNumeric:
    case ValueKind::kDate: {
      auto parse = op.kind == ValueKind::kNumeric ? ParseNumber : ParseDate;
      auto r = parse(request);
      auto p = parse(policy);
      if (!r || !p) return std::nullopt;
      return Holds(op.relation, *r, *p);
    }
    case ValueKind::kBool: {
      auto r = ParseBool(request);
      auto p = ParseBool(policy);
      if (!r || !p) return std::nullopt;
      return *r == *p;
    }
    case ValueKind::kIp: {
      auto r = ParseIpv4(request);
      auto p = ParseIpRange(policy);
      if (!r || !p) return std::nullopt;
      return InRange(*p, *r);
    }
  }
  return std::nullopt;
}

bool ConditionHolds(const PolicyStatement::Condition& c, const AuthRequest& req) {
  const OperatorSpec* op = FindOperator(c.op);
  if (op == nullptr) return false;  // Parse rejects these; a hand-built statement fails closed
  auto it = req.conditions.find(c.key);
  if (it == req.conditions.end() || it->second.empty()) return op->negated;
  // Positive: some pair matches. Negated: every pair is readable and none matches.
  for (const std::string& r : it->second) {
    for (const std::string& p : c.values) {
      std::optional<bool> m = Matches(*op, r, p);
      if (op->negated && m.value_or(true)) return false;
      if (!op->negated && m.value_or(false)) return true;
    }
  }
  return op->negated;
}

// ---- Statements ---------------------------------------------------------------------------

bool AnyMatches(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case) {
  for (const std::string& p : patterns) {
    if (WildcardMatch(p, text, ignore_case)) return true;
  }
  return false;
}

bool Applies(const PolicyStatement& s, const AuthRequest& req) {
  if (AnyMatches(s.actions, req.action, /*ignore_case=*/true) == s.not_action) return false;
  if (AnyMatches(s.resources, req.resource, /*ignore_case=*/false) == s.not_resource) return false;
  for (const PolicyStatement::Condition& c : s.conditions) {
    if (!ConditionHolds(c, req)) return false;
  }
  return true;
}

// ---- Parsing ------------------------------------------------------------------------------

// A string or a non-empty list of non-empty strings.
Result<std::vector<std::string>> ParsePatterns(const json& v, const std::string& where) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const json& e : v) {
      if (!e.is_string()) return Malformed(where + " must be a string or a list of strings.");
      out.push_back(e.get<std::string>());
    }
  } else {
    return Malformed(where + " must be a string or a list of strings.");
  }
  if (out.empty()) return Malformed(where + " must not be empty.");
  for (const std::string& p : out) {
    if (p.empty()) return Malformed(where + " has an empty pattern.");
  }
  return out;
}

// Exactly one of `name` and "Not" + `name`, as a list of patterns.
Result<std::vector<std::string>> ParseEitherForm(const json& stmt, const std::string& name,
                                                 const std::string& where, bool* negated) {
  const std::string not_name = "Not" + name;
  const bool has = stmt.contains(name);
  const bool has_not = stmt.contains(not_name);
  if (has == has_not) {
    return Malformed(where + " must have exactly one of " + name + " and " + not_name + ".");
  }
  *negated = has_not;
  return ParsePatterns(stmt[has ? name : not_name], where + " " + (has ? name : not_name));
}

Status CheckActionPrefixes(const std::vector<std::string>& actions, const std::string& where) {
  for (const std::string& a : actions) {
    if (a == "*") continue;
    size_t colon = a.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Malformed(where + " action \"" + a +
                       "\" needs a product prefix, as in \"ecs:DescribeInstances\".");
    }
  }
  return Ok();
}

// A condition value as a string: strings as written, numbers as their JSON text.
std::optional<std::string> ScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

Result<std::vector<std::string>> ParseConditionValues(const json& v, const std::string& where) {
  std::vector<std::string> out;
  if (auto one = ScalarText(v)) {
    out.push_back(*one);
    return out;
  }
  if (!v.is_array()) return Malformed(where + " must be a string, number, boolean or a list.");
  for (const json& e : v) {
    auto text = ScalarText(e);
    if (!text) return Malformed(where + " must hold only strings, numbers or booleans.");
    out.push_back(*text);
  }
  return out;
}

Status ParseConditionBlock(const json& block, const std::string& where,
                           std::vector<PolicyStatement::Condition>* out) {
  if (!block.is_object()) return Malformed(where + " Condition must be an object.");
  for (const auto& op_item : block.items()) {
    const std::string& op_name = op_item.key();
    const json& keys = op_item.value();
    const OperatorSpec* op = FindOperator(op_name);
    if (op == nullptr) return Malformed(where + " has unknown condition operator " + op_name + ".");
    if (!keys.is_object()) return Malformed(where + " " + op_name + " must map keys to values.");
    for (const auto& key_item : keys.items()) {
      const std::string& key = key_item.key();
      const std::string at = where + " " + op_name + " " + key;
      if (key.empty()) return Malformed(where + " " + op_name + " has an empty condition key.");
      OPENECS_ASSIGN_OR_RETURN(std::vector<std::string> values,
                               ParseConditionValues(key_item.value(), at));
      for (const std::string& v : values) {
        if (!ValidPolicyValue(op->kind, v)) {
          return Malformed(at + ": \"" + v + "\" is not a valid value for " + op_name + ".");
        }
      }
      out->push_back(PolicyStatement::Condition{
          .op = op_name, .key = ToLower(key), .values = std::move(values)});
    }
  }
  return Ok();
}

Result<PolicyStatement> ParseStatement(const json& stmt, size_t index) {
  const std::string where = "Statement " + std::to_string(index + 1);
  if (!stmt.is_object()) return Malformed(where + " must be an object.");
  PolicyStatement out;
  auto effect = stmt.find("Effect");
  if (effect == stmt.end() || !effect->is_string() || (*effect != "Allow" && *effect != "Deny")) {
    return Malformed(where + " Effect must be \"Allow\" or \"Deny\".");
  }
  out.allow = *effect == "Allow";
  OPENECS_ASSIGN_OR_RETURN(out.actions, ParseEitherForm(stmt, "Action", where, &out.not_action));
  OPENECS_RETURN_IF_ERROR(CheckActionPrefixes(out.actions, where));
  OPENECS_ASSIGN_OR_RETURN(out.resources,
                           ParseEitherForm(stmt, "Resource", where, &out.not_resource));
  if (auto cond = stmt.find("Condition"); cond != stmt.end()) {
    OPENECS_RETURN_IF_ERROR(ParseConditionBlock(*cond, where, &out.conditions));
  }
  return out;
}

// The Statement element: a list of statement objects, or one object.
Result<std::vector<PolicyStatement>> ParseStatements(const json& doc) {
  auto it = doc.find("Statement");
  if (it == doc.end()) return Malformed("Statement is missing.");
  if (!it->is_array() && !it->is_object()) {
    return Malformed("Statement must be a list of statements or one statement.");
  }
  const json list = it->is_array() ? *it : json::array({*it});
  if (list.empty()) return Malformed("Statement must not be empty.");
  std::vector<PolicyStatement> out;
  for (size_t i = 0; i < list.size(); ++i) {
    OPENECS_ASSIGN_OR_RETURN(PolicyStatement s, ParseStatement(list[i], i));
    out.push_back(std::move(s));
  }
  return out;
}

bool EqualsFold(char a, char b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return lower(a) == lower(b);
}

}  // namespace

// ---- Public API ---------------------------------------------------------------------------

Result<ParsedPolicy> ParsedPolicy::Parse(const std::string& document) {
  if (document.size() > kMaxDocumentBytes) {
    return Malformed("the document is " + std::to_string(document.size()) +
                     " bytes; the limit is " + std::to_string(kMaxDocumentBytes) + ".");
  }
  const json doc = json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Malformed("it is not valid JSON.");
  if (!doc.is_object()) return Malformed("it must be a JSON object.");
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_string() || *version != "1") {
    return Malformed("Version must be \"1\".");
  }
  ParsedPolicy policy;
  OPENECS_ASSIGN_OR_RETURN(policy.statements_, ParseStatements(doc));
  return policy;
}

PolicyDecision ParsedPolicy::Evaluate(const AuthRequest& req) const {
  bool allowed = false;
  for (const PolicyStatement& s : statements_) {
    if (!Applies(s, req)) continue;
    if (!s.allow) return PolicyDecision::kExplicitDeny;
    allowed = true;
  }
  return allowed ? PolicyDecision::kAllow : PolicyDecision::kImplicitDeny;
}

PolicyDecision Evaluate(const std::vector<const ParsedPolicy*>& policies, const AuthRequest& req) {
  bool allowed = false;
  for (const ParsedPolicy* p : policies) {
    if (p == nullptr) continue;
    PolicyDecision d = p->Evaluate(req);
    if (d == PolicyDecision::kExplicitDeny) return d;
    allowed = allowed || d == PolicyDecision::kAllow;
  }
  return allowed ? PolicyDecision::kAllow : PolicyDecision::kImplicitDeny;
}

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  // Greedy two pointers: on a mismatch, let the last `*` swallow one more character and retry
  // from there. Earlier stars never need revisiting: whatever they matched, the last star can
  // absorb instead, so one backtrack point suffices.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos;  // position of the last `*` seen in the pattern
  size_t resume = 0;                     // text position that star currently extends to
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t] ||
                                      (ignore_case && EqualsFold(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::vector<SystemPolicy>& SystemPolicies() {
  static const std::vector<SystemPolicy> kPolicies = {
      {"AdministratorAccess", "Provides full access to all services and resources.",
       R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})"},
      {"AliyunECSFullAccess", "Provides full access to Elastic Compute Service (ECS).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]})"},
      {"AliyunECSReadOnlyAccess", "Provides read-only access to Elastic Compute Service (ECS).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow",
           "Action": ["ecs:Describe*", "ecs:List*"], "Resource": "*"}]})"},
      {"AliyunVPCFullAccess", "Provides full access to Virtual Private Cloud (VPC).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "vpc:*", "Resource": "*"}]})"},
      {"AliyunVPCReadOnlyAccess", "Provides read-only access to Virtual Private Cloud (VPC).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow",
           "Action": ["vpc:Describe*", "vpc:List*", "vpc:Get*"], "Resource": "*"}]})"},
      {"AliyunRAMFullAccess", "Provides full access to Resource Access Management (RAM).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]})"},
      {"AliyunRAMReadOnlyAccess", "Provides read-only access to Resource Access Management (RAM).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow",
           "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}]})"},
      {"AliyunSTSAssumeRoleAccess",
       "Allows calling the AssumeRole API of the Security Token "
       "Service (STS).",
       R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Resource": "*"}]})"},
  };
  return kPolicies;
}

const SystemPolicy* FindSystemPolicy(std::string_view name) {
  for (const SystemPolicy& p : SystemPolicies()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

}  // namespace openecs
