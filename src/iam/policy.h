#pragma once
// The RAM policy language (Alibaba Cloud RAM, "Policy elements"): parsing, validation and
// evaluation of policy documents. Pure: no state, no I/O, no clock (the caller passes the
// request's time as a condition value), so the API layer, the RAM service and the tests share
// one implementation.
//
// A document:
//   {"Version": "1",
//    "Statement": [{"Effect": "Allow"|"Deny",
//                   "Action": "ecs:Describe*" | [...]      (or "NotAction"),
//                   "Resource": "acs:ecs:*:*:instance/*" | [...]  (or "NotResource"),
//                   "Condition": {"<Operator>": {"<key>": "v" | ["v1", "v2"]}}}]}
// Action and Resource patterns match case-insensitively for the action (ecs:describeinstances
// is ecs:DescribeInstances) and case-sensitively for resources; `*` matches any run of
// characters (including `:` and `/`) and `?` any one character.
//
// Evaluation (ParsedPolicy::Evaluate and Evaluate over several documents): a statement applies
// when its action matches, at least one of the request's resources matches (for a request on
// several resources the caller evaluates once per resource), and every condition holds. Any
// applying Deny wins (ExplicitDeny); otherwise any applying Allow allows; otherwise ImplicitDeny.
//
// Conditions: operators StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, NumericEquals, NumericNotEquals,
// NumericLessThan, NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals,
// DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan,
// DateGreaterThanEquals (ISO 8601 UTC, e.g. "2026-12-31T23:59:59Z", or epoch seconds), Bool,
// IpAddress, NotIpAddress (an address or CIDR, IPv4). Several values under one key are ORed;
// several keys under one operator and several operators are ANDed. Keys compare
// case-insensitively (acs:SourceIp is acs:sourceip). A key the request does not carry makes
// the positive operators false and the negated ones (StringNotEquals, NotIpAddress, ...) true.
// When the request carries several values for a key (a resource's tags), a positive operator
// holds if any request value matches any policy value; a negated one holds if no request value
// matches any policy value. The typed operators (Numeric*, Date*, Bool, IpAddress) need typed
// values: Parse rejects a policy value its operator cannot read, and a request value that
// cannot be read makes every comparison with it false, so then the positive operator and the
// negated one both fail (no guessing). String operators and StringLike are case-sensitive on
// values; Bool compares "true"/"false" in any case; Numeric compares as double; Date as epoch
// seconds ("YYYY-MM-DDTHH:MM[:SS[.fff]]Z" or plain decimal epoch seconds); IpAddress takes
// "a.b.c.d" (a /32) or "a.b.c.d/n" (host bits ignored) and the request's address.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace openecs {

enum class PolicyDecision { kAllow, kExplicitDeny, kImplicitDeny };

// What one authorization check asks: "may the principal do `action` on `resource`?".
struct AuthRequest {
  std::string action;    // "ecs:RunInstances" (product prefix lower-case, as RAM writes it)
  std::string resource;  // an ARN, "acs:ecs:local:1234:instance/i-abc", or "*"
  // Condition keys in lower case, each with its values: "acs:sourceip" -> {"127.0.0.1"},
  // "acs:currenttime" -> {"2026-12-04T05:00:00Z"}, "acs:securetransport" -> {"false"},
  // "ecs:tag/env" -> {"prod"} (the resource's tags), ...
  std::map<std::string, std::vector<std::string>> conditions;
};

struct PolicyStatement {
  bool allow = true;
  bool not_action = false;  // the patterns are NotAction
  std::vector<std::string> actions;
  bool not_resource = false;  // the patterns are NotResource
  std::vector<std::string> resources;
  struct Condition {
    std::string op;   // as written, e.g. "StringEquals"
    std::string key;  // lower-cased
    // As written; JSON numbers as their JSON text ("5", "1.5"), booleans as "true"/"false".
    std::vector<std::string> values;
  };
  std::vector<Condition> conditions;
};

class ParsedPolicy {
 public:
  // Parses and validates a document. Errors (ErrorCode::kMalformedPolicyDocument, HTTP 400,
  // "MalformedPolicyDocument", with a message naming what is wrong): not JSON, not an object,
  // Version other than "1", Statement missing or empty, an Effect other than Allow/Deny, a
  // statement without Action/NotAction or without Resource/NotResource (or with both forms),
  // an action pattern without a "product:" prefix (except "*"), an unknown condition operator,
  // a condition value that is not a string/number/bool or list of them, a value a typed
  // operator cannot read (NumericEquals "ten", IpAddress "10.0.0.300"), a document over
  // 6144 bytes. Never throws. A single statement object is accepted where a list is expected, as
  // RAM does.
  static Result<ParsedPolicy> Parse(const std::string& document);

  PolicyDecision Evaluate(const AuthRequest& req) const;
  const std::vector<PolicyStatement>& statements() const { return statements_; }

 private:
  std::vector<PolicyStatement> statements_;
};

// Over several policies (a principal's attached ones): ExplicitDeny if any says so, Allow if
// any allows, else ImplicitDeny.
PolicyDecision Evaluate(const std::vector<const ParsedPolicy*>& policies, const AuthRequest& req);

// `*`/`?` wildcard match (`?` is one byte); case-insensitive (ASCII) when `ignore_case`.
// Iterative greedy match that backtracks only to the last `*`: O(1) space and at worst
// O(|pattern| * |text|) time, never exponential, however many stars a hostile pattern has
// (patterns come from documents of at most 6144 bytes).
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// The system policies users expect, by name, with their documents:
// AdministratorAccess ("*" on "*"), AliyunECSFullAccess (ecs:*), AliyunECSReadOnlyAccess
// (ecs:Describe*, ecs:List*), AliyunVPCFullAccess (vpc:*), AliyunVPCReadOnlyAccess
// (vpc:Describe*, vpc:List*, vpc:Get*), AliyunRAMFullAccess (ram:*), AliyunRAMReadOnlyAccess
// (ram:Get*, ram:List*), AliyunSTSAssumeRoleAccess (sts:AssumeRole).
struct SystemPolicy {
  const char* name;
  const char* description;
  const char* document;
};
const std::vector<SystemPolicy>& SystemPolicies();
const SystemPolicy* FindSystemPolicy(std::string_view name);  // exact name, else null

}  // namespace openecs
