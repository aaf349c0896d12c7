#include "cmd/operator_cmd.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "billing/price_table.h"
#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/text.h"

namespace openecs {
namespace {

struct OperatorOptions {
  std::string data_dir = "data";
  std::string account, instance, amount;
  int64_t seconds = 0;
};

// POST (or GET) one operator route; prints the answer; 0 on success.
int Call(const OperatorOptions& o, const std::string& method, const std::string& route) {
  std::ifstream creds(o.data_dir + "/credentials"), token_file(o.data_dir + "/operator-token");
  nlohmann::json c = nlohmann::json::parse(creds, nullptr, false);
  std::string token;
  if (c.is_discarded() || !c.contains("endpoint") || !std::getline(token_file, token)) {
    std::cerr << "no running server's credentials in " << o.data_dir
              << " (credentials, operator-token): start it with ecsd dev --data-dir " << o.data_dir
              << "\n";
    return 2;
  }
  HttpClientRequest r;
  r.method = method;
  r.endpoint = c["endpoint"].get<std::string>();
  r.target = std::string("/openecs/operator/v1/") + route;
  r.headers["authorization"] = "Bearer " + Trim(token);
  r.timeout_ms = 30000;
  auto answer = HttpCall(r);
  if (!answer.ok()) {
    std::cerr << "cannot reach the server at " << r.endpoint << ": " << answer.error().message
              << "\n";
    return 2;
  }
  auto j = nlohmann::json::parse(answer->body, nullptr, false);
  std::cout << (j.is_discarded() ? answer->body : DumpJson(j, 2)) << "\n";
  return answer->status == 200 ? 0 : 1;
}

}  // namespace

std::function<int()> AddOperatorCommands(CLI::App& app) {
  auto o = std::make_shared<OperatorOptions>();
  auto* prices = app.add_subcommand(
      "prices", "print the built-in price table (JSON): edit it and pass it to ecsd dev --prices");
  auto* op = app.add_subcommand("operator", "ask the running server (of --data-dir) to act");
  op->require_subcommand(1);
  op->add_option("--data-dir", o->data_dir, "the server's data directory")->capture_default_str();
  auto* credit = op->add_subcommand("credit", "add money to an account's balance");
  auto* limit = op->add_subcommand("credit-limit",
                                   "how far below zero an account may go before it is overdue");
  auto* balance = op->add_subcommand("balance", "an account's balance");
  for (auto* c : {credit, limit, balance})
    c->add_option("--account", o->account, "the account's id")->required();
  credit->add_option("--amount", o->amount, "how much, in the price table's currency")->required();
  limit->add_option("--amount", o->amount, "a number >= 0, or unlimited")->required();
  auto* lock = op->add_subcommand("lock", "lock an instance for security: every change refused");
  auto* unlock = op->add_subcommand("unlock", "lift an instance's security lock");
  auto* reclaim = op->add_subcommand(
      "reclaim",
      "take a spot instance's capacity back: its notice now, stopped or released 5 min later");
  for (auto* c : {lock, unlock, reclaim})
    c->add_option("--instance", o->instance, "the instance's id")->required();
  auto* hosts = op->add_subcommand(
      "hosts", "the hosts: zone, vCPUs and memory offered and used, where their disks live");
  auto* advance = op->add_subcommand(
      "advance-clock", "move the test clock forward (a server started with --test-clock)");
  advance->add_option("--seconds", o->seconds, "how far")->required();
  return [=]() -> int {
    if (prices->parsed()) {
      std::cout << DumpJson(PriceTableToJson(DefaultPriceTable()), 2) << "\n";
      return 0;
    }
    std::string acct = "account=" + PercentEncode(o->account);
    if (credit->parsed())
      return Call(*o, "POST", "accounts/credit?" + acct + "&amount=" + PercentEncode(o->amount));
    if (limit->parsed())
      return Call(*o, "POST",
                  "accounts/credit-limit?" + acct + "&amount=" + PercentEncode(o->amount));
    if (balance->parsed()) return Call(*o, "GET", "accounts/balance?" + acct);
    if (hosts->parsed()) return Call(*o, "GET", "hosts");
    if (lock->parsed()) return Call(*o, "POST", "instances/lock?instance=" + o->instance);
    if (unlock->parsed()) return Call(*o, "POST", "instances/unlock?instance=" + o->instance);
    if (reclaim->parsed()) return Call(*o, "POST", "instances/reclaim?instance=" + o->instance);
    if (advance->parsed())
      return Call(*o, "POST", "clock/advance?seconds=" + std::to_string(o->seconds));
    return -1;
  };
}

}  // namespace openecs
