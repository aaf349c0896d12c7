#include "api/operator_endpoint.h"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "api/params.h"
#include "billing/price_table.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "service/billing_service.h"
#include "service/capacity.h"
#include "service/monitor_service.h"

namespace openecs {
namespace {

HttpResponse Reply(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

HttpResponse Fail(int status, const std::string& code, const std::string& message) {
  return Reply(status, {{"Code", code}, {"Message", message}});
}

HttpResponse FromError(const Error& e) {
  const ErrorInfo& info = Describe(e.code);
  return Fail(info.http_status >= 500 ? 500 : 400, std::string(info.code),
              e.message.empty() ? std::string(info.message) : e.message);
}

// A decimal amount of money ("12.5"); nullopt when malformed.
std::optional<Nano> MoneyOf(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !(v >= -1e9 && v <= 1e9))
    return std::nullopt;
  return ToNano(v);
}

nlohmann::json Balance(const Cloud& cloud, const std::string& account) {
  return cloud.Read<nlohmann::json>([&](const State& s) {
    BillingAccount a = BillingAccountView(s, cloud.config(), account);
    return nlohmann::json{
        {"AccountId", account},
        {"Balance", ToAmount(a.balance)},
        {"Credited", ToAmount(a.credited)},
        {"CreditLimit", a.credit_limit < 0 ? nlohmann::json("unlimited")
                                           : nlohmann::json(ToAmount(a.credit_limit))},
        {"Overdue", IsOverdue(s, cloud.config(), account)},
        {"Currency", PricesOf(cloud).currency}};
  });
}

// Every registered host: what it offers, what its instances' claims use, where its disks live,
// whether it is lost, and the account it is dedicated to.
nlohmann::json Hosts(const Cloud& cloud) {
  return cloud.Read<nlohmann::json>([&](const State& s) {
    auto out = nlohmann::json::array();
    for (const HostCapacity& c : Capacities(s)) {
      const Host& h = s.hosts.at(c.host_id);
      out.push_back({{"HostId", h.id},
                     {"Name", h.name},
                     {"ZoneId", h.zone_id},
                     {"Driver", h.driver},
                     {"Storage", h.storage.empty() ? "local" : h.storage},
                     {"Vcpus", c.vcpus},
                     {"UsedVcpus", c.used_vcpus},
                     {"MemoryMb", c.memory_mb},
                     {"UsedMemoryMb", c.used_memory_mb},
                     {"LastSeen", FormatIso(h.last_seen)},
                     // Lost: its agent went silent (service/host_health.h).
                     {"State", c.lost ? "Lost" : "Up"},
                     {"LostSince", h.lost_since ? FormatIso(h.lost_since) : ""},
                     {"DedicatedTo", c.dedicated_to}});
    }
    return nlohmann::json{{"Hosts", out}};
  });
}

}  // namespace

HttpResponse OperatorEndpoint::Handle(const HttpRequest& req) {
  auto auth = req.headers.find("authorization");
  if (token_.empty() || auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0 ||
      !ConstantTimeEquals(Trim(auth->second.substr(7)), token_))
    return Fail(401, "Unauthorized", "missing or wrong operator token (<data-dir>/operator-token)");
  size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q).substr(std::string(kOperatorPathPrefix).size());
  std::map<std::string, std::string> query;
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &query);
  auto arg = [&](const char* k) -> std::string { return query.count(k) ? query[k] : ""; };

  if (path == "clock" && req.method == "GET")
    return Reply(200, {{"Now", FormatIso(cloud_.Now())},
                       {"TestClock", test_clock_ != nullptr},
                       {"OffsetSeconds", test_clock_ ? test_clock_->offset_ms() / 1000 : 0}});
  if (path == "hosts" && req.method == "GET") return Reply(200, Hosts(cloud_));
  if (req.method != "POST" && path != "accounts/balance")
    return Fail(405, "MethodNotAllowed", "use POST");
  if (path == "clock/advance") {
    if (!test_clock_)
      return Fail(404, "NotFound", "no test clock: start the server with ecsd dev --test-clock");
    int64_t seconds = 0;
    std::string s = arg("seconds");
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (ec != std::errc() || end != s.data() + s.size() || seconds <= 0 ||
        seconds > 10LL * 366 * 86400)
      return Fail(400, "InvalidParameter", "seconds is a whole number from 1 to 10 years");
    test_clock_->Advance(seconds * 1000);
    if (after_advance_) after_advance_(test_clock_->offset_ms());
    // The minutes and periods that ended are written before anyone reads them.
    if (Monitor* monitor = cloud_.monitor()) (void)monitor->Flush();
    RunBillingPass(cloud_, cloud_.Now());
    return Reply(200, {{"Now", FormatIso(cloud_.Now())},
                       {"OffsetSeconds", test_clock_->offset_ms() / 1000}});
  }
  if (path.rfind("accounts/", 0) == 0) {
    std::string account = arg("account");
    if (account.empty()) return Fail(400, "MissingParameter", "account is needed");
    if (path == "accounts/balance") return Reply(200, Balance(cloud_, account));
    if (path == "accounts/credit") {
      auto amount = MoneyOf(arg("amount"));
      if (!amount || *amount <= 0)
        return Fail(400, "InvalidParameter", "amount is a positive number");
      auto done = CreditAccount(cloud_, account, *amount);
      if (!done.ok()) return FromError(done.error());
      nlohmann::json out = Balance(cloud_, account);
      out["Unlocked"] = done->unlocked;
      return Reply(200, out);
    }
    if (path == "accounts/credit-limit") {
      std::optional<Nano> limit =
          arg("amount") == "unlimited" ? std::optional<Nano>(-1) : MoneyOf(arg("amount"));
      if (!limit || *limit < -1)
        return Fail(400, "InvalidParameter", "amount is a number >= 0, or unlimited");
      if (Status st = SetCreditLimit(cloud_, account, *limit); !st.ok())
        return FromError(st.error());
      RunBillingPass(cloud_, cloud_.Now());
      return Reply(200, Balance(cloud_, account));
    }
  }
  if (path == "instances/lock" || path == "instances/unlock") {
    std::string id = arg("instance");
    if (id.empty()) return Fail(400, "MissingParameter", "instance is needed");
    if (Status st = SetSecurityLock(cloud_, id, path == "instances/lock"); !st.ok())
      return FromError(st.error());
    return Reply(200, {{"InstanceId", id}, {"Locked", path == "instances/lock"}});
  }
  if (path == "instances/reclaim") {
    std::string id = arg("instance");
    if (id.empty()) return Fail(400, "MissingParameter", "instance is needed");
    if (Status st = ReclaimSpotInstance(cloud_, id); !st.ok()) return FromError(st.error());
    return Reply(200, {{"InstanceId", id},
                       {"TerminationTime", FormatIso(cloud_.Now() + kSpotNoticeSeconds)}});
  }
  return Fail(404, "NotFound", "no operator route " + path);
}

}  // namespace openecs
