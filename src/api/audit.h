#pragma once
// The audit trail's side of the API server (store/audit_log.h holds the events): what Dispatch
// learns of a call that passed authentication, and the event made of it once answered.
// Parameters are kept as the caller sent them, less the signature's own (Signature, nonce,
// timestamp, AccessKeyId: the identity says it), with every secret masked (IsSecretFieldName:
// passwords, AccessKey secrets) and values cut at 1 KiB (user data).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_server.h"
#include "service/principal.h"
#include "store/audit_log.h"

namespace openecs {

struct AuditNote {
  bool authenticated = false;  // nothing is recorded for calls that never passed it
  Principal principal;
  std::string version, action;
  std::map<std::string, std::string> params;
  std::string error_code, error_message;  // of the error answered ("" on success)
};

// An event in ActionTrail's LookupEvents shape (also what `ecsd audit export` writes, a line
// each).
nlohmann::json ActionTrailEventJson(const AuditEvent& e, const std::string& region);

AuditEvent AuditEventOf(const AuditNote& note, const HttpRequest& request,
                        const HttpResponse& response, const std::string& request_id,
                        int64_t now_ms);

}  // namespace openecs
