#pragma once
// The operator's routes on the API listener, under /openecs/operator/v1/: what the `ecsd
// operator ...` commands (and tests) ask a running server to do. Every request carries the
// operator token (<data-dir>/operator-token) as "Authorization: Bearer <token>"; answers are
// JSON, errors {"Code", "Message"} with a 4xx status.
//   GET  clock                                   the cloud's time and the test clock's offset
//   GET  hosts                                   every host: zone, room and use, its storage
//   POST clock/advance?seconds=N                 moves the test clock forward and runs the
//                                                billing pass at the new time (only under
//                                                `ecsd dev --test-clock`; 404 otherwise)
//   POST accounts/credit?account=ID&amount=X     adds X to the account's balance
//   POST accounts/credit-limit?account=ID&amount=X|unlimited
//   GET  accounts/balance?account=ID
//   POST instances/lock?instance=ID              the security lock (service/instance_locks.h)
//   POST instances/unlock?instance=ID
//   POST instances/reclaim?instance=ID           a spot instance's reclaim notice, now
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "service/cloud.h"

namespace openecs {

inline constexpr const char* kOperatorPathPrefix = "/openecs/operator/v1/";

class OperatorEndpoint {
 public:
  // `test_clock`: null unless the server runs on a test clock. `after_advance` runs after the
  // clock moved (persists the offset); the billing pass runs after it.
  OperatorEndpoint(Cloud& cloud, std::string token, TestClock* test_clock,
                   std::function<void(int64_t offset_ms)> after_advance)
      : cloud_(cloud),
        token_(std::move(token)),
        test_clock_(test_clock),
        after_advance_(std::move(after_advance)) {}
  HttpResponse Handle(const HttpRequest& req);

 private:
  Cloud& cloud_;
  std::string token_;
  TestClock* test_clock_;
  std::function<void(int64_t)> after_advance_;
};

}  // namespace openecs
