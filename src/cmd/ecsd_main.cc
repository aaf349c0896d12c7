// ecsd: the OpenECS daemon. `ecsd dev` runs the API server and one embedded host agent in one
// process on SQLite; `ecsd agent --server URL` runs a host agent that joins a server over HTTP.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "agent/agent.h"
#include "agent/http_channel.h"
#include "agent/vpc_nic_plug.h"
#include "api/agent_endpoint.h"
#include "api/api_server.h"
#include "api/console_endpoint.h"
#include "api/operator_endpoint.h"
#include "api/session_endpoint.h"
#include "billing/price_table.h"
#include "cmd/audit_cmd.h"
#include "cmd/operator_cmd.h"
#include "common/address_filter.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ipv4.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/prom_metrics.h"
#include "common/text.h"
#include "common/tls.h"
#include "common/webhook.h"
#include "hypervisor/fake/fake_driver.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "model/catalogue.h"
#include "service/account_service.h"
#include "service/agent_service.h"
#include "service/alarm_service.h"
#include "service/assistant_service.h"
#include "service/billing_service.h"
#include "service/cloud.h"
#include "service/host_health.h"
#include "service/identity_service.h"
#include "service/instance_events.h"
#include "service/instance_service.h"
#include "service/keypair_service.h"
#include "service/monitor_service.h"
#include "service/network_service.h"
#include "service/quota_service.h"
#include "service/session_service.h"
#include "service/snapshot_policy_service.h"
#include "storage/fake_storage.h"
#include "storage/local_storage.h"
#include "storage/rbd_storage.h"
#include "store/audit_log.h"
#include "store/metric_store.h"
#include "store/store.h"
#include "sys/exec.h"
#include "sys/files.h"
#include "sys/host_programs.h"
#include "sys/malloc_tuning.h"

using namespace openecs;

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// Loads or creates the root account; the environment can fix its AccessKey.
Result<Account> EnsureRootAccount(Cloud& cloud) {
  const char* env_id = std::getenv("OPENECS_ACCESS_KEY_ID");
  const char* env_secret = std::getenv("OPENECS_ACCESS_KEY_SECRET");
  Account out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    auto& accounts = txn.state().accounts;
    Account a;
    auto it = accounts.find("root");
    if (it != accounts.end()) a = it->second;
    bool changed = it == accounts.end();
    if (a.id.empty()) {
      a.id = "root";
      a.name = "root";
      a.creation_time = NowSeconds();
      a.access_key_id = "LTAI" + RandomAlnum(20);
      a.access_key_secret = RandomAlnum(30);
    }
    if (env_id && *env_id && env_secret && *env_secret &&
        (a.access_key_id != env_id || a.access_key_secret != env_secret)) {
      a.access_key_id = env_id;
      a.access_key_secret = env_secret;
      changed = true;
    }
    out = a;
    if (changed) txn.Put(a);
    return Ok();
  }));
  return out;
}

void WriteCredentials(const std::string& dir, const Account& a, const std::string& endpoint,
                      const std::string& region) {
  std::string path = dir + "/credentials";
  nlohmann::json j = {{"access_key_id", a.access_key_id},
                      {"access_key_secret", a.access_key_secret},
                      {"endpoint", endpoint},
                      {"region_id", region}};
  if (Status st = WriteFileAtomic(path, DumpJson(j, 2) + "\n", 0600);
      !st.ok())  // never world-readable
    LOG_WARN("{}", st.error().message);
}

// What a host agent needs to build its hypervisor driver (ecsd dev and ecsd agent).
struct HostOptions {
  std::string data_dir = "data";
  std::string driver = "qemu";  // never a silent fallback: the emulator is --driver fake
  std::string image_dir = "images";
  std::string name;  // default: the machine's hostname
  std::string zone;
  int fake_delay_ms = 300;
  int fake_host_vcpus = 100000;
  int64_t fake_host_memory_mb = 400LL * 1024 * 1024;
  int fake_host_gpus = 0;
  int host_vcpus = 0;
  int cpu_overcommit = 4;
  std::string network = "auto";  // vpc | user | auto (vpc as root, else user); PrepareHost decides
  std::string underlay_ip;       // "" = the default route's source address
  std::string import_allow;      // CIDRs ImportImage may fetch from despite address_filter.h
  std::vector<AddressPrefix> import_allow_list;  // parsed by PrepareHost
  int metrics_interval_ms = 10000;  // how often the agent samples its guests (monitoring)
  // Where cloud disks and snapshots live: "local" (this host's files) or an RBD spec
  // (storage/rbd_storage.h), parsed into `rbd` by PrepareHost.
  std::string storage = "local";
  std::optional<RbdSpec> rbd;
  bool verbose = false;
};

struct DevOptions {
  HostOptions host;
  std::string listen = "127.0.0.1:8080";
  std::string region = "local";
  std::string zones = "";
  std::string public_cidr = "198.18.0.0/24";
  int threads = 2;
  bool local_agent = true;
  HttpServerLimits limits;          // the API listener's (the TLS listener's too)
  std::string tls_listen;           // "" = no TLS listener
  std::string tls_cert, tls_key;    // "" = self-signed, kept in <data-dir>/tls/
  std::vector<std::string> quotas;  // NAME=VALUE: every account's default (quota_service.h)
  // Billing (service/billing_service.h).
  bool test_clock = false;  // the cloud's clock can be moved forward (operator route)
  std::string prices;       // the price table's file ("" the built-in one)
  std::string credit_limit = "unlimited";  // an account's credit line unless set
  // CIDRs alarm webhooks may be posted to although special (loopback, private): common/webhook.h
  std::string webhook_allow;
  std::string metrics_listen;  // "" = /metrics only on the API listener, to loopback callers
  // How long monitoring points (60 s, 600 s, 3600 s) and audit events are kept, in days.
  std::string metrics_retention_days = "7,31,31";
  int audit_retention_days = 90;
  std::string console_dir;  // the web console's files ("" = DefaultConsoleDir())
  std::string store;        // "" = sqlite:<data-dir>/openecs.db; or postgresql://...
  // A host whose agent is silent this long is lost: its instances move or stop
  // (service/host_health.h).
  double host_lost_after_s = kDefaultHostLostAfterMs / 1000.0;
};

// "D60,D600,D3600" (days, each >= 1) into MonitorOptions.
Result<MonitorOptions> ParseMetricsRetention(const std::string& text) {
  auto parts = Split(text, ',');
  MonitorOptions m;
  int64_t* fields[] = {&m.retention_60, &m.retention_600, &m.retention_3600};
  if (parts.size() != 3)
    return MakeError(ErrorCode::kInvalidParameter,
                     "--metrics-retention-days is three numbers of days: 60 s, 600 s and 3600 s "
                     "points (7,31,31)");
  for (size_t k = 0; k < 3; ++k) {
    int64_t days = std::atoll(parts[k].c_str());
    if (days < 1 || days > 3650 || parts[k].find_first_not_of("0123456789") != std::string::npos)
      return MakeError(ErrorCode::kInvalidParameter,
                       "--metrics-retention-days: " + parts[k] + " is not 1-3650 days");
    *fields[k] = days * 86400;
  }
  return m;
}

struct AgentCmdOptions {
  HostOptions host;
  std::string server;
  std::string token_file;
  TlsTrust trust;              // for an https:// server
  std::string metrics_listen;  // "" = no /metrics
  int simulate_hosts = 0;      // > 0: that many emulated hosts in this process (--driver fake)
};

// Checks the driver and network choice against this host (every program they need, the
// built-in image), makes every path absolute (they end up in qcow2 headers, dnsmasq and QEMU
// arguments, which resolve relative paths against other folders) and prepares the data dir.
// Prints one line per problem, with its fix, and returns false. `runs_guests` false (an API
// server without a local agent): only the data dir matters.
bool PrepareHost(HostOptions& o, bool runs_guests = true) {
  if (o.verbose) spdlog::set_level(spdlog::level::debug);
  namespace fs = std::filesystem;
  o.data_dir = AbsolutePath(o.data_dir);
  o.image_dir = AbsolutePath(o.image_dir);
  std::error_code ec;
  fs::create_directories(o.data_dir, ec);
  // The data dir holds the root AccessKey secret, guest passwords and consoles: its owner's.
  if (!ec) fs::permissions(o.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    std::cerr << "cannot create data dir " << o.data_dir << ": " << ec.message() << "\n";
    return false;
  }
  if (o.driver != "fake" && o.driver != "qemu") {
    std::cerr << "unknown driver '" << o.driver << "': use qemu or fake\n";
    return false;
  }
  if (o.network != "auto" && o.network != "vpc" && o.network != "user") {
    std::cerr << "unknown network mode '" << o.network << "': use vpc, user or auto\n";
    return false;
  }
  auto allow = ParseAddressAllowList(o.import_allow);
  if (!allow.ok()) {
    std::cerr << "--import-allow: " << allow.error().message << "\n";
    return false;
  }
  o.import_allow_list = *allow;
  if (o.storage != "local") {
    auto spec = ParseRbdSpec(o.storage);
    if (!spec.ok()) {
      std::cerr << "--storage: " << spec.error().message << " (use local or rbd:pool=...)\n";
      return false;
    }
    o.rbd = *spec;
  }
  if (o.driver == "fake" || !runs_guests) return true;
  if (o.network == "auto") o.network = ::geteuid() == 0 ? "vpc" : "user";
  std::vector<std::string> problems;
  for (const auto& line : MissingPrograms(HostPrograms(), "qemu", HaveProgram))
    problems.push_back("missing " + line + ": the qemu driver runs it");
  if (o.network == "vpc") {
    if (::geteuid() != 0)
      problems.push_back("--network vpc needs root (network namespaces, nftables)");
    for (const auto& line : MissingPrograms(HostPrograms(), "vpc", HaveProgram))
      problems.push_back("missing " + line + ": VPC networking runs it");
  }
  if (o.rbd) {
    for (const auto& line : MissingPrograms(HostPrograms(), "rbd", HaveProgram))
      problems.push_back("missing " + line + ": cloud disks on RBD need it");
    auto formats = Run({"qemu-img", "--help"});
    if (formats.ok() && formats->find(" rbd") == std::string::npos)
      problems.push_back("QEMU has no rbd block driver: install qemu-block-extra");
    if (!fs::exists(o.rbd->conf)) problems.push_back("no Ceph config " + o.rbd->conf);
  }
  for (const auto& image : BuiltinImages()) {
    std::string dir = o.image_dir + "/" + image.id;
    if (!fs::exists(dir + "/image.json"))
      problems.push_back("no built-in image " + image.id + " in " + o.image_dir +
                         ": run scripts/build-image " + dir + " (scripts/setup does)");
  }
  if (problems.empty()) return true;
  std::cerr << "ecsd: this host cannot run real guests:\n";
  for (const auto& p : problems) std::cerr << "  " << p << "\n";
  std::cerr << "Install what is missing (scripts/setup installs all of it), or run the emulator "
               "with --driver fake.\n";
  return false;
}

// A listener of its own for GET /metrics (common/prom_metrics.h), at `listen` ("HOST:PORT", or a
// bare port on 127.0.0.1): where Prometheus scrapes, open to whoever reaches that address, so
// the operator picks the interface (`listen` is completed in place). Null (and a message
// printed) if it cannot listen there.
std::unique_ptr<HttpServer> StartMetricsListener(std::string& listen) {
  if (listen.find(':') == std::string::npos) listen = "127.0.0.1:" + listen;
  auto started = HttpServer::Start(
      listen, 1,
      [](const HttpRequest& r) {
        if (r.target.substr(0, r.target.find('?')) == "/metrics") return MetricsResponse(r);
        HttpResponse none;
        none.status = 404;
        none.content_type = "text/plain; charset=utf-8";
        none.body = "only /metrics here\n";
        return none;
      },
      1);
  if (!started.ok()) {
    std::cerr << "--metrics-listen " << listen << ": " << started.error().message << "\n";
    return nullptr;
  }
  return std::move(*started);
}

// The VPC data plane of this host, or null (emulator mode, or guests on QEMU's user network).
std::unique_ptr<VpcNetworks> MakeNetwork(const HostOptions& o) {
  if (o.driver != "qemu" || o.network != "vpc") return nullptr;
  return std::make_unique<VpcNetworks>(o.data_dir + "/net", o.underlay_ip);
}

// The key of the metadata service's tokens, kept so that tokens outlive a restart ("" if it
// cannot be kept: the agent then makes one for its lifetime).
std::string MetadataSecret(const HostOptions& o) {
  auto secret = LoadOrCreateSecret(o.data_dir + "/metadata-secret");
  if (!secret.ok())
    LOG_WARN("metadata tokens will not outlive this process: {}", secret.error().message);
  return secret.ok() ? *secret : "";
}

// What runs guests on a host: its VPC data plane (or none), storage and hypervisor driver,
// declared so that the driver goes first when it ends. The fake ones are the emulator's.
struct Host {
  std::unique_ptr<VpcNetworks> network;
  std::unique_ptr<VpcNicPlug> plug;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Driver> driver;
  FakeDriver* fake_driver = nullptr;
  FakeStorage* fake_storage = nullptr;
};

Host MakeHost(const HostOptions& o) {
  Host h;
  h.network = MakeNetwork(o);
  if (h.network) h.plug = std::make_unique<VpcNicPlug>(h.network.get());
  char hostname[256] = "localhost";
  gethostname(hostname, sizeof(hostname) - 1);
  std::string name = o.name.empty() ? std::string(hostname) : o.name;
  if (o.driver == "fake") {
    FakeDriverOptions fo;
    fo.journal_path = o.data_dir + "/fake-hypervisor.journal";
    fo.delay_ms = o.fake_delay_ms;
    fo.host = HostInfo{o.name.empty() ? name + "-fake" : name,
                       o.zone,
                       o.fake_host_vcpus,
                       o.fake_host_memory_mb,
                       100000,
                       o.fake_host_gpus,
                       o.fake_host_gpus > 0 ? "NVIDIA A10" : "",
                       false,
                       "fake"};
    auto storage =
        std::make_unique<FakeStorage>(o.fake_delay_ms, o.rbd ? "rbd:emulated/" + o.rbd->pool : "");
    fo.host.storage = storage->SharedId();
    h.fake_storage = storage.get();
    h.storage = std::move(storage);
    auto driver = std::make_unique<FakeDriver>(fo);
    h.fake_driver = driver.get();
    h.driver = std::move(driver);
    return h;
  }
  ImportPolicy import;
  import.allow = o.import_allow_list;
  auto local =
      std::make_unique<LocalStorage>(o.data_dir + "/disks", o.image_dir, o.data_dir + "/snapshots",
                                     o.data_dir + "/images", o.data_dir + "/exchange", import);
  if (o.rbd)
    h.storage = std::make_unique<RbdStorage>(*o.rbd, name, std::move(local));
  else
    h.storage = std::move(local);
  QemuDriverOptions qo;
  qo.state_dir = o.data_dir + "/instances";
  qo.storage = h.storage.get();
  qo.network = h.plug.get();
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  int64_t memory_mb = static_cast<int64_t>(pages) * page_size / (1024 * 1024);
  // vCPUs are overcommitted (guests mostly idle); 1 GiB stays with the host.
  qo.host = HostInfo{name,
                     o.zone,
                     o.host_vcpus > 0 ? o.host_vcpus : static_cast<int>(cores * o.cpu_overcommit),
                     std::max<int64_t>(memory_mb - 1024, 512),
                     1000,
                     0,
                     "",
                     false,
                     "qemu"};
  qo.host.storage = h.storage->SharedId();
  h.driver = std::make_unique<QemuDriver>(qo);
  return h;
}

struct AccountCmdOptions {
  std::string name;
  std::string account;              // set-quota: the account's id or name
  std::vector<std::string> quotas;  // set-quota: NAME=VALUE or NAME=default
  std::string data_dir = "data";
  std::string store;        // "" = sqlite:<data_dir>/openecs.db
  std::string secrets_key;  // "" = <the store's directory>/secrets.key
};

enum class AccountCmd { kCreate, kList, kSetQuota };

// `ecsd account create|list|set-quota`: works on the store directly, beside a running server
// (which takes a new account in when its key is first used, and a changed one within a second:
// service/account_service.h).
int RunAccount(const AccountCmdOptions& a, AccountCmd cmd) {
  std::string uri = a.store.empty() ? "sqlite:" + a.data_dir + "/openecs.db" : a.store;
  std::string key_path = a.secrets_key;
  if (key_path.empty() && uri.rfind("sqlite:", 0) == 0) {
    std::string db = uri.substr(7);
    size_t slash = db.rfind('/');
    key_path =
        (slash == std::string::npos ? std::string(".") : db.substr(0, slash)) + "/secrets.key";
  } else if (key_path.empty()) {
    key_path = a.data_dir + "/secrets.key";  // where `ecsd dev --store postgresql://` keeps it
  }
  if (uri.rfind("sqlite:", 0) == 0 && ::access(uri.substr(7).c_str(), F_OK) != 0) {
    std::cerr << "no store at " << uri.substr(7)
              << " (start the server once, or give --data-dir/--store)\n";
    return 2;
  }
  auto store = Store::Open(uri);
  if (!store.ok()) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  auto secrets = SecretBox::Load(key_path);
  if (!secrets.ok()) {
    std::cerr << secrets.error().message << "\n";
    return 1;
  }
  if (cmd == AccountCmd::kSetQuota) {
    std::map<std::string, std::optional<int64_t>> changes;
    for (const auto& q : a.quotas) {
      auto setting = ParseQuotaSetting(q, true);
      if (!setting.ok()) {
        std::cerr << "--quota: " << setting.error().message << "\n";
        return 2;
      }
      changes[setting->first] = setting->second;
    }
    auto set = SetAccountQuotas(**store, a.account, changes);
    if (!set.ok()) {
      std::cerr << set.error().message << "\n";
      return 1;
    }
    nlohmann::json quotas = nlohmann::json::object();
    for (const auto& q : AllQuotas())
      if (auto v = set->quotas.find(q.name); v != set->quotas.end()) quotas[q.name] = v->second;
    std::cout << DumpJson({{"AccountId", set->id}, {"AccountName", set->name}, {"Quotas", quotas}},
                          2)
              << "\n";
    return 0;
  }
  if (cmd == AccountCmd::kCreate) {
    auto made = CreateAccount(**store, &*secrets, a.name);
    if (!made.ok()) {
      std::cerr << made.error().message << "\n";
      return 1;
    }
    nlohmann::json j = {{"AccountId", made->id},
                        {"AccountName", made->name},
                        {"AccessKeyId", made->access_key_id},
                        {"AccessKeySecret", made->access_key_secret}};
    std::cout << DumpJson(j, 2) << "\n";
    return 0;
  }
  auto all = ListAccounts(**store, &*secrets);
  if (!all.ok()) {
    std::cerr << all.error().message << "\n";
    return 1;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& acc : *all)
    list.push_back({{"AccountId", acc.id},
                    {"AccountName", acc.name},
                    {"AccessKeyId", acc.access_key_id},
                    {"CreationTime", FormatIso(acc.creation_time)}});
  std::cout << DumpJson(list, 2) << "\n";
  return 0;
}

// Several servers: publishes the hosts this server heard from, and takes every server's
// latest contact with each host into `contacts` (a host heard by another server is heard).
// False when the store could not be asked: the contacts are this server's alone, and a host
// that talks to another server would look silent.
bool MergeSharedContacts(Store& store, const std::string& server_id,
                         std::map<std::string, HostContact>& contacts) {
  std::map<std::string, int64_t> heard;
  for (const auto& [host, c] : contacts)
    if (c.heard) heard[host] = c.age_ms;
  auto all = store.ShareContacts(server_id, heard);
  if (!all.ok()) {
    LOG_WARN("cannot share the hosts' contacts through the state store: {}", all.error().message);
    return false;
  }
  for (auto& [host, c] : contacts) {
    auto it = all->find(host);
    if (it == all->end() || (c.heard && c.age_ms <= it->second.age_ms)) continue;
    c.age_ms = it->second.age_ms;
    c.heard = true;
  }
  return true;
}

int RunDev(DevOptions o) {
  std::map<std::string, int64_t> quota_defaults;  // checked before anything is touched
  for (const auto& q : o.quotas) {
    auto setting = ParseQuotaSetting(q, false);
    if (!setting.ok()) {
      std::cerr << "--quota: " << setting.error().message << "\n";
      return 2;
    }
    quota_defaults[setting->first] = *setting->second;
  }
  if (!PrepareHost(o.host, o.local_agent)) return 2;
  std::string store_uri = o.store.empty() ? "sqlite:" + o.host.data_dir + "/openecs.db" : o.store;
  auto store = Store::Open(store_uri);
  if (!store.ok()) {
    std::cerr << "--store: " << store.error().message << "\n";
    return 1;
  }
  if (Status st = (*store)->ClaimForServer(); !st.ok()) {
    std::cerr << "--store: " << st.error().message << "\n";
    return 1;
  }
  auto secrets = SecretBox::LoadOrCreate(o.host.data_dir + "/secrets.key");
  if (!secrets.ok()) {
    std::cerr << secrets.error().message << "\n";
    return 1;
  }
  CloudConfig config;
  config.secrets = &*secrets;
  config.region_id = o.region;
  config.public_cidr = o.public_cidr;
  if (auto pool = ParseCidr(o.public_cidr, true); !pool || pool->prefix > 30) {
    std::cerr << "--public-cidr must be a network block of at least 4 addresses, e.g. "
                 "198.18.0.0/24 (got '"
              << o.public_cidr << "')\n";
    return 2;
  }
  config.zones = o.zones.empty() ? std::vector<std::string>{o.region + "-a", o.region + "-b"}
                                 : Split(o.zones, ',');
  config.quota_defaults = std::move(quota_defaults);
  // Billing: prices, the default credit line, and the clock (a test clock keeps its offset in
  // <data-dir>/test-clock across restarts, so expiries do not move back).
  PriceTable prices = DefaultPriceTable();
  if (!o.prices.empty()) {
    auto loaded = LoadPriceTable(o.prices);
    if (!loaded.ok()) {
      std::cerr << "--prices: " << loaded.error().message << "\n";
      return 2;
    }
    prices = *loaded;
  }
  config.prices = &prices;
  if (o.credit_limit != "unlimited") {
    char* end = nullptr;
    double v = std::strtod(o.credit_limit.c_str(), &end);
    if (o.credit_limit.empty() || *end != '\0' || !(v >= 0 && v <= 1e9)) {
      std::cerr << "--credit-limit: a number from 0 to 1000000000, or unlimited\n";
      return 2;
    }
    config.default_credit_limit = ToNano(v);
  }
  std::unique_ptr<TestClock> test_clock;
  std::string clock_file = o.host.data_dir + "/test-clock";
  if (o.test_clock) {
    int64_t offset_ms = 0;
    if (std::ifstream in(clock_file); in) in >> offset_ms;
    test_clock = std::make_unique<TestClock>(std::max<int64_t>(0, offset_ms));
    config.clock = test_clock.get();
  }
  auto webhook_allow = ParseAddressAllowList(o.webhook_allow);
  if (!webhook_allow.ok()) {
    std::cerr << "--webhook-allow: " << webhook_allow.error().message << "\n";
    return 2;
  }
  // Monitoring: its own database beside the state's (store/metric_store.h).
  auto metric_store = MetricStore::Open(o.host.data_dir + "/metrics.sqlite");
  if (!metric_store.ok()) {
    std::cerr << metric_store.error().message << "\n";
    return 1;
  }
  auto retention = ParseMetricsRetention(o.metrics_retention_days);
  if (!retention.ok()) {
    std::cerr << retention.error().message << "\n";
    return 2;
  }
  Monitor monitor(metric_store->get(), config.clock, *retention);
  config.monitor = &monitor;
  // The audit trail: every authenticated API call (store/audit_log.h).
  auto audit =
      AuditLog::Open(o.host.data_dir + "/audit.sqlite", int64_t{o.audit_retention_days} * 86400);
  if (!audit.ok()) {
    std::cerr << audit.error().message << "\n";
    return 1;
  }
  config.audit = audit->get();
  auto cloud = Cloud::Open(store->get(), config);
  if (!cloud.ok()) {
    std::cerr << cloud.error().message << "\n";
    return 1;
  }
  if (Status st = UpgradeVpcRecords(**cloud); !st.ok()) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  if (Status st = UpgradeKeyPairRecords(**cloud); !st.ok()) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  auto account = EnsureRootAccount(**cloud);
  if (!account.ok()) {
    std::cerr << account.error().message << "\n";
    return 1;
  }
  auto agent_token = LoadOrCreateSecret(o.host.data_dir + "/agent-token");
  if (!agent_token.ok()) {
    std::cerr << agent_token.error().message << "\n";
    return 1;
  }
  // The TLS listener's identity: the operator's certificate, or one made and kept here.
  std::optional<TlsIdentity> tls;
  if (!o.tls_listen.empty()) {
    auto id = o.tls_cert.empty() != o.tls_key.empty()
                  ? Result<TlsIdentity>(MakeError(ErrorCode::kInvalidParameter,
                                                  "--tls-cert and --tls-key go together"))
              : o.tls_cert.empty()
                  ? LoadOrCreateSelfSigned(o.host.data_dir + "/tls",
                                           {o.tls_listen.substr(0, o.tls_listen.rfind(':')),
                                            o.listen.substr(0, o.listen.rfind(':'))})
                  : LoadTlsIdentity(o.tls_cert, o.tls_key);
    if (!id.ok()) {
      std::cerr << id.error().message << "\n";
      return 2;
    }
    tls = std::move(*id);
  }
  // Session Manager: pairs users' WebSockets with guests' consoles (service/session_service.h).
  SessionHub session_hub(**cloud);
  session_hub.Start();
  AgentService agent_service(**cloud);
  agent_service.set_session_hub(&session_hub);
  AgentEndpoint agent_endpoint(agent_service, *agent_token, tls.has_value());

  // The embedded agent and its host.
  Host host;
  std::unique_ptr<Agent> agent;
  if (o.local_agent) {
    if (o.host.zone.empty()) o.host.zone = config.zones.front();
    host = MakeHost(o.host);
    AgentOptions ao;
    ao.host = host.driver->DescribeHost();
    ao.network = host.network.get();
    ao.metadata_secret = MetadataSecret(o.host);
    ao.metrics_interval_ms = o.host.metrics_interval_ms;
    agent = std::make_unique<Agent>(&agent_service, host.driver.get(), host.storage.get(), ao);
    if (Status st = agent->Start(); !st.ok()) {
      std::cerr << "agent: " << st.error().message << "\n";
      return 1;
    }
  }

  Authenticator auth([&cloud](const std::string& id, const std::string& token) {
    return LookupCredential(**cloud, id, token);
  });
  // A request captured before a restart must not replay after it (issue 13, Low).
  if (Status st = auth.KeepNoncesIn(o.host.data_dir + "/nonces.log"); !st.ok()) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  ApiServer api(**cloud, auth);
  api.AddRoute("/openecs/health", [](const HttpRequest&) {
    HttpResponse r;
    r.body = R"({"Status":"ok"})";
    return r;
  });
  // Emulator controls: failure injection and delays of the fake hypervisor.
  FakeDriver* fake = host.fake_driver;
  FakeStorage* fake_storage = host.fake_storage;
  api.AddRoute("/openecs/fake/faults", [fake, fake_storage](const HttpRequest& req) {
    if (!fake)
      return ErrorResponse(MakeError(ErrorCode::kInvalidAction, "not in emulator mode"), "fake",
                           false);
    std::map<std::string, std::string> q;
    size_t pos = req.target.find('?');
    if (pos != std::string::npos) ParseUrlEncoded(req.target.substr(pos + 1), false, &q);
    HttpResponse r;
    Status st = Ok();
    if (q.count("delay_ms")) {
      fake->set_delay_ms(std::atoi(q["delay_ms"].c_str()));
      fake_storage->set_delay_ms(std::atoi(q["delay_ms"].c_str()));
    }
    // The CPU load a running fake guest reports (monitoring): cpu_load=0..100, -1 the default.
    if (q.count("cpu_load") && q.count("instance"))
      fake->SetLoad(q["instance"], std::atof(q["cpu_load"].c_str()));
    // A fake guest's agent stops (guest_agent=0) or starts (1) answering (Cloud Assistant).
    if (q.count("guest_agent") && q.count("instance"))
      fake->SetAgentAlive(q["instance"], q["guest_agent"] != "0");
    // A running fake guest's virtual machine dies (a crashed QEMU): crash=1.
    if (q.count("crash") && q.count("instance")) st = fake->Crash(q["instance"]);
    if (q.count("op"))
      st = fake->InjectFailures(q["op"], q.count("count") ? std::atoi(q["count"].c_str()) : 1);
    if (!st.ok()) return ErrorResponse(st.error(), "fake", false);
    r.body = R"({"Status":"ok"})";
    return r;
  });
  // The web console (api/console_endpoint.h): its calls are the API's, as its identities.
  ConsoleOptions console_options;
  console_options.assets_dir =
      o.console_dir.empty() ? DefaultConsoleDir() : AbsolutePath(o.console_dir);
  ConsoleEndpoint console(
      **cloud,
      [&cloud](const std::string& id, const std::string& token) {
        return LookupCredential(**cloud, id, token);
      },
      session_hub, console_options);
  api.SetConsoleAuth([&console](const HttpRequest& r) { return console.Authenticate(r); });
  auto operator_token = LoadOrCreateSecret(o.host.data_dir + "/operator-token");
  if (!operator_token.ok()) {
    std::cerr << operator_token.error().message << "\n";
    return 1;
  }
  OperatorEndpoint operator_endpoint(
      **cloud, *operator_token, test_clock.get(), [&clock_file](int64_t offset_ms) {
        (void)WriteFileAtomic(clock_file, std::to_string(offset_ms) + "\n", 0600);
      });
  HttpHandler route = [&](const HttpRequest& r) {
    if (r.target.rfind(kAgentPathPrefix, 0) == 0) return agent_endpoint.Handle(r);
    if (r.target.rfind(kSessionPathPrefix, 0) == 0) return HandleSessionUpgrade(session_hub, r);
    if (r.target.rfind(kOperatorPathPrefix, 0) == 0) return operator_endpoint.Handle(r);
    if (r.target == "/favicon.ico" ||
        (r.target.rfind(kConsolePath, 0) == 0 &&
         (r.target.size() == 8 || r.target[8] == '/' || r.target[8] == '?')))
      return console.Handle(r);
    return api.Handle(r);
  };
  auto server = HttpServer::Start(o.listen, o.threads, route, 8, "", o.limits);
  if (!server.ok()) {
    std::cerr << server.error().message << "\n";
    return 1;
  }
  std::unique_ptr<HttpServer> tls_server;
  if (tls) {
    auto started = HttpServer::Start(o.tls_listen, o.threads, route, 8, "", o.limits, &*tls);
    if (!started.ok()) {
      std::cerr << started.error().message << "\n";
      return 1;
    }
    tls_server = std::move(*started);
  }
  std::unique_ptr<HttpServer> metrics_server;
  if (!o.metrics_listen.empty() && !(metrics_server = StartMetricsListener(o.metrics_listen)))
    return 1;
  std::string address = o.listen.substr(0, o.listen.rfind(':'));
  std::string endpoint = address + ":" + std::to_string((*server)->port());
  WriteCredentials(o.host.data_dir, *account, endpoint, config.region_id);
  std::cout << "OpenECS " << (o.local_agent ? "dev" : "server") << ": region " << config.region_id
            << ", "
            << (o.local_agent ? "driver " + o.host.driver + (fake ? " (emulator mode)" : "") +
                                    (host.network ? ", VPC networking" : "")
                              : std::string("no local agent (ecsd agent --server ...)"))
            << "\n"
            << "  AccessKeyId:     " << account->access_key_id
            << "\n"
            // On a terminal only: where the output is kept (a log file), the secret is not.
            << "  AccessKeySecret: "
            << (::isatty(STDOUT_FILENO) ? account->access_key_secret
                                        : "(in " + o.host.data_dir + "/credentials)")
            << "\n"
            << "  state:           "
            << (o.store.empty() ? o.host.data_dir + "/openecs.db (SQLite)"
                                : std::string("PostgreSQL (--store)"))
            << "\n"
            << "  credentials:     " << o.host.data_dir << "/credentials\n"
            << "  agent token:     " << o.host.data_dir << "/agent-token\n"
            << "  operator token:  " << o.host.data_dir << "/operator-token"
            << (test_clock ? " (test clock: ecsd operator advance-clock)" : "") << "\n";
  if (tls_server)
    std::cout << "  TLS (API and agents): https://"
              << o.tls_listen.substr(0, o.tls_listen.rfind(':')) << ":" << tls_server->port()
              << ", certificate " << tls->fingerprint << "\n";
  std::cout << "  web console:     http://" << endpoint << "/console/ (log in with the AccessKey"
            << " pair above, or a RAM user's console password)\n";
  std::cout << "  metrics:         http://" << endpoint << "/metrics (loopback callers)";
  if (metrics_server)
    std::cout << ", http://" << o.metrics_listen.substr(0, o.metrics_listen.rfind(':')) << ":"
              << metrics_server->port() << "/metrics";
  std::cout << "\n";
  std::cout << "listening on " << endpoint << std::endl;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  // The background work. On a shared store (several servers) what changes the cloud runs on
  // the leader only (Store::Lead, tried each second: it moves when its holder dies), and the
  // host-loss pass counts every server's contact with each host (Store::ShareContacts); what is
  // this process's own (its monitoring database, its ClientToken cache, its accounts' reload)
  // runs everywhere.
  Store& shared_store = **store;
  const bool shared = shared_store.shared();
  const std::string server_id = endpoint + "/" + std::to_string(::getpid());
  bool lead = !shared;
  for (int tick = 0; !g_stop; ++tick) {
    if (shared && tick % 5 == 0) {
      bool was = lead;
      lead = shared_store.Lead();
      if (lead != was)
        LOG_INFO(lead ? "this server now runs the background work (leader)"
                      : "this server no longer runs the background work");
    }
    // Automatic snapshot policies and snapshot retention, every 10 s.
    if (lead && tick % 50 == 0) RunSnapshotPolicies(**cloud, (**cloud).Now());
    if (lead && tick % 5 == 0) ReleaseDueInstances(**cloud, (**cloud).Now());  // each second
    if (tick % 5 == 0) {  // monitoring: minutes that ended, rollups (service/monitor_service.h)
      if (Status st = monitor.Flush(); !st.ok()) LOG_WARN("monitor: {}", st.error().message);
      // Alarm rules whose period ended; their webhooks are posted off this loop.
      if (auto notices = lead ? RunAlarmPass(**cloud) : std::vector<AlertNotice>{};
          !notices.empty())
        std::thread([notices = std::move(notices), allow = *webhook_allow] {
          for (const auto& n : notices) {
            auto r = PostForm(n.webhook, n.fields, allow);
            if (!r.ok() || *r / 100 != 2)
              LOG_WARN("alarm {}: webhook {}: {}", n.fields.at("ruleId"), n.webhook,
                       r.ok() ? "answered " + std::to_string(*r) : r.error().message);
          }
        }).detach();
    }
    // Expiries, spot and overdue accounts every 5 s; accounts metered each kMeterPeriodSeconds.
    if (lead && tick % 25 == 0) RunBillingPass(**cloud, (**cloud).Now(), /*meter_all=*/false);
    // Hosts whose agents went silent, and lost ones back, each second. The host this process
    // runs is never lost while it runs (service/host_health.h).
    if (tick % 5 == 0) {
      std::map<std::string, HostContact> contacts = agent_service.Contacts();
      if (agent) contacts.erase(agent->host_id());
      // Without every server's contacts, or if leadership went since the tick began (its
      // connection dropped), no host is judged.
      bool merged = !shared || MergeSharedContacts(shared_store, server_id, contacts);
      if (lead && merged && (!shared || shared_store.Lead()))
        RunHostLossPass(**cloud, contacts, static_cast<int64_t>(o.host_lost_after_s * 1000));
    }
    // Cloud Assistant: invocations of stopped or released instances end, old ones go.
    if (lead && tick % 5 == 0) RunAssistantPass(**cloud);
    // Accounts changed beside the server (`ecsd account set-quota`), each second; never from
    // inside a Write (it takes the lock).
    if (tick % 5 == 0) (**cloud).ReloadAccounts(0);
    if (tick % 3000 == 0) {  // every 10 minutes
      if (lead) ExpireInstanceEvents(**cloud, (**cloud).Now());
      api.client_tokens().Expire((**cloud).Now());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  LOG_INFO("shutting down (guests keep running; the next start adopts them)");
  if (tls_server) tls_server->Stop();
  if (metrics_server) metrics_server->Stop();
  (*server)->Stop();
  if (agent) agent->Stop();
  // The minutes that ended and are not written yet (service/monitor_service.h).
  if (Status st = monitor.Flush(/*all=*/true); !st.ok())
    LOG_WARN("monitor: {}", st.error().message);
  return 0;
}

// `ecsd agent --driver fake --simulate-hosts N`: N emulated hosts in this one process, for scale
// runs of the control plane (bench/scale.js). Each has its own fake hypervisor and storage,
// name (<name>-0001, ...), data dir (<data-dir>/sim/0001, its credential and journal) and agent,
// and pulls and reports over HTTP as N machines would; against a server at a 127.x address each
// connects from its own address (127.1.x.y), as N machines would from theirs. Each agent keeps
// five threads (two workers, one each for transfers, commands and its report queue) and waits
// up to 5 s per pull (a real one 0.5 s: consoles and readiness checks are its other work, and
// emulated guests have none worth the calls).
int RunSimulatedHosts(const AgentCmdOptions& o, const std::string& token) {
  struct Simulated {
    Host host;
    std::unique_ptr<HttpAgentChannel> channel;
    std::unique_ptr<Agent> agent;
  };
  char hostname[256] = "localhost";
  gethostname(hostname, sizeof(hostname) - 1);
  std::string base = o.host.name.empty() ? std::string(hostname) : o.host.name;
  // A literal IPv4 loopback server only (a name may resolve to ::1 first).
  bool loopback = o.server.find("://127.") != std::string::npos;
  std::vector<std::unique_ptr<Simulated>> hosts;
  for (int n = 1; n <= o.simulate_hosts && !g_stop; ++n) {
    char num[16];
    std::snprintf(num, sizeof(num), "%04d", n);
    HostOptions h = o.host;
    h.name = base + "-" + num;
    h.data_dir = o.host.data_dir + "/sim/" + num;
    std::error_code ec;
    std::filesystem::create_directories(h.data_dir, ec);
    auto sim = std::make_unique<Simulated>();
    sim->host = MakeHost(h);
    sim->channel =
        std::make_unique<HttpAgentChannel>(o.server, token, h.data_dir + "/host-key", o.trust);
    if (loopback)
      sim->channel->set_source_address("127.1." + std::to_string(n / 250) + "." +
                                       std::to_string(n % 250 + 1));
    AgentOptions ao;
    ao.host = sim->host.driver->DescribeHost();
    ao.workers = 2;
    ao.transfer_workers = 1;
    ao.assistant_workers = 1;
    // The fake consoles read every 5 s, not 2: a thousand hosts' consoles are the simulation's
    // own work on the server's machine (reading them every 2 s took 0.2 of a core here).
    ao.console_refresh_ms = 5000;
    ao.metrics_interval_ms = h.metrics_interval_ms;
    sim->agent = std::make_unique<Agent>(sim->channel.get(), sim->host.driver.get(),
                                         sim->host.storage.get(), ao);
    // The server may not be up yet: keep trying to register.
    for (int attempt = 0; !g_stop; ++attempt) {
      Status st = sim->agent->Start();
      if (st.ok()) break;
      if (attempt % 10 == 0)
        LOG_WARN("agent {}: cannot register with {}: {}", h.name, o.server, st.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    hosts.push_back(std::move(sim));
    if (n % 100 == 0 || n == o.simulate_hosts)
      std::cout << "registered " << n << " of " << o.simulate_hosts << " simulated hosts"
                << std::endl;
  }
  if (!g_stop)
    std::cout << "OpenECS agent: " << hosts.size() << " simulated hosts " << base << "-0001.."
              << " in " << o.host.zone << ", driver fake, server " << o.server << std::endl;
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Each agent's loop ends with its pull (up to 5 s): stop them all at once.
  std::vector<std::thread> stopping;
  for (auto& sim : hosts) stopping.emplace_back([&sim] { sim->agent->Stop(); });
  for (auto& t : stopping) t.join();
  return 0;
}

// A host agent on its own: registers this host with the server at --server and runs its guests.
int RunAgent(AgentCmdOptions o) {
  if (!PrepareHost(o.host)) return 2;
  std::string token;
  if (const char* env = std::getenv("OPENECS_AGENT_TOKEN"); env && *env) token = env;
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in || !std::getline(in, token)) {
      std::cerr << "cannot read the agent token from " << o.token_file << "\n";
      return 2;
    }
    token = Trim(token);
  }
  if (token.empty()) {
    std::cerr << "no agent token: pass --token-file (the server's <data-dir>/agent-token) or set "
                 "OPENECS_AGENT_TOKEN\n";
    return 2;
  }
  if (o.simulate_hosts > 0 && o.host.driver != "fake") {
    std::cerr << "--simulate-hosts needs --driver fake\n";
    return 2;
  }
  Host host = MakeHost(o.host);
  if (!o.trust.fingerprint.empty()) {
    auto pin = NormalizeFingerprint(o.trust.fingerprint);
    if (!pin.ok()) {
      std::cerr << "--server-fingerprint: " << pin.error().message << "\n";
      return 2;
    }
    o.trust.fingerprint = *pin;
  }
  if (o.server.rfind("https://", 0) != 0 &&
      (!o.trust.fingerprint.empty() || !o.trust.ca_file.empty())) {
    std::cerr << "--server-fingerprint and --ca-file are for an https:// --server\n";
    return 2;
  }
  if (o.simulate_hosts > 0) {
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    return RunSimulatedHosts(o, token);
  }
  // Up before the agent registers: a scrape tells an agent that cannot reach its server from
  // one that is not running.
  std::unique_ptr<HttpServer> metrics_server;
  if (!o.metrics_listen.empty() && !(metrics_server = StartMetricsListener(o.metrics_listen)))
    return 1;
  HttpAgentChannel channel(o.server, token, o.host.data_dir + "/host-key", o.trust);
  AgentOptions ao;
  ao.host = host.driver->DescribeHost();
  ao.network = host.network.get();
  ao.metadata_secret = MetadataSecret(o.host);
  ao.metrics_interval_ms = o.host.metrics_interval_ms;
  Agent agent(&channel, host.driver.get(), host.storage.get(), ao);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  // The server may not be up yet: keep trying to register.
  for (int attempt = 0; !g_stop; ++attempt) {
    Status st = agent.Start();
    if (st.ok()) break;
    if (attempt % 10 == 0)
      LOG_WARN("agent: cannot register with {}: {}", o.server, st.error().message);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (g_stop) return 0;
  std::cout << "OpenECS agent: host " << ao.host.name << " in " << ao.host.zone_id << ", driver "
            << o.host.driver << ", server " << o.server;
  if (metrics_server) std::cout << ", metrics on port " << metrics_server->port();
  std::cout << std::endl;
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  LOG_INFO("agent shutting down (guests keep running; the next start adopts them)");
  if (metrics_server) metrics_server->Stop();
  agent.Stop();
  return 0;
}

void AddHostOptions(CLI::App* cmd, HostOptions& h) {
  cmd->add_option("--data-dir", h.data_dir, "where state, credentials and disks live")
      ->capture_default_str();
  cmd->add_option("--driver", h.driver, "hypervisor driver: fake (emulator mode) or qemu")
      ->capture_default_str();
  cmd->add_option("--name", h.name, "host name to register (default: the machine's hostname)");
  cmd->add_option("--fake-delay-ms", h.fake_delay_ms, "fake driver: delay per operation")
      ->capture_default_str();
  cmd->add_option("--fake-host-vcpus", h.fake_host_vcpus, "fake driver: host vCPUs")
      ->capture_default_str();
  cmd->add_option("--fake-host-memory-mb", h.fake_host_memory_mb, "fake driver: host memory")
      ->capture_default_str();
  cmd->add_option("--fake-host-gpus", h.fake_host_gpus, "fake driver: host GPUs")
      ->capture_default_str();
  cmd->add_option("--image-dir", h.image_dir, "qemu driver: built images (scripts/build-image)")
      ->capture_default_str();
  cmd->add_option("--host-vcpus", h.host_vcpus,
                  "qemu driver: vCPUs to offer (default cores x overcommit)");
  cmd->add_option("--cpu-overcommit", h.cpu_overcommit, "qemu driver: vCPUs per core")
      ->capture_default_str();
  cmd->add_option("--network", h.network,
                  "qemu driver: vpc (namespaces, nftables, dnsmasq; needs root), user (QEMU "
                  "user-mode NIC) or auto")
      ->capture_default_str();
  cmd->add_option("--underlay-ip", h.underlay_ip,
                  "VPC networks: this host's address for VXLAN traffic from other hosts "
                  "(default: the source address of the default route)");
  cmd->add_option("--import-allow", h.import_allow,
                  "ImportImage: CIDR blocks (comma-separated) an http:// image may be fetched "
                  "from although they are loopback, private, link-local or otherwise special "
                  "(default: none; only public addresses)");
  cmd->add_option("--storage", h.storage,
                  "qemu driver: where cloud disks and snapshots live: local (this host's files) "
                  "or rbd:pool=POOL,conf=CEPH.CONF,keyring=KEYRING,user=ID (a Ceph RBD pool; "
                  "scripts/ceph starts a test cluster and prints this). The fake driver makes "
                  "nothing, but its hosts with the same RBD spec share disks")
      ->capture_default_str();
  cmd->add_option("--metrics-interval-ms", h.metrics_interval_ms,
                  "monitoring: how often running guests are sampled (0: never)")
      ->capture_default_str();
  cmd->add_flag("--verbose", h.verbose, "debug logging");
}

}  // namespace

int main(int argc, char** argv) {
  // glibc's allocator, tuned for the API server's requests before its first allocation that
  // matters (sys/malloc_tuning.h): this may execute ecsd again, once, with the same arguments.
  // Not for an agent: the simulating one runs a thread per host, and each thread's cache held
  // more memory (1,000 hosts: 1.58 GiB untuned, 1.87 GiB tuned) than the agent gained speed.
  if (argc > 1 && (std::string_view(argv[1]) == "dev" || std::string_view(argv[1]) == "server"))
    TuneMallocByReexec(argv);
  // Every file ecsd (and the QEMU, dnsmasq it starts) makes is its owner's alone: the database
  // (root secret, guest passwords), specs, metadata files, consoles, disks.
  ::umask(0077);
  // Connections, guests' QMP sockets, disks and taps are descriptors: take what the host allows
  // (the soft limit is often 1024 of a far higher hard one). The listeners size their
  // connection caps to it (common/http_server.h).
  if (rlimit nofile{};
      ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  CLI::App app{"ecsd: the OpenECS daemon"};
  app.require_subcommand(1);
  DevOptions o;
  auto* dev =
      app.add_subcommand("dev", "API server + one embedded host agent, SQLite, one process");
  // `ecsd server` takes `ecsd dev`'s options; it has no host of its own.
  auto add_server_options = [&o](CLI::App* cmd) {
    cmd->add_option("--listen", o.listen, "host:port to serve the API on")->capture_default_str();
    cmd->add_option("--region", o.region, "region id")->capture_default_str();
    cmd->add_option("--zones", o.zones, "comma-separated zone ids (default <region>-a,<region>-b)");
    cmd->add_option("--threads", o.threads, "HTTP I/O threads")->capture_default_str();
    cmd->add_option("--public-cidr", o.public_cidr,
                    "pool of public IPs; its first address is the host's side of the public bridge")
        ->capture_default_str();
    cmd->add_option("--zone", o.host.zone, "zone of the embedded host (default: the first zone)");
    cmd->add_option("--max-connections", o.limits.max_connections,
                    "API listener: open connections at most (lowered to fit the descriptor limit)")
        ->capture_default_str();
    cmd->add_option("--max-connections-per-source", o.limits.max_per_source,
                    "API listener: open connections from one client address at most")
        ->capture_default_str();
    cmd->add_option("--request-timeout-s", o.limits.request_timeout_s,
                    "API listener: a client must send a whole request within this (slowloris)")
        ->capture_default_str();
    cmd->add_option("--idle-timeout-s", o.limits.idle_timeout_s,
                    "API listener: a keep-alive connection may wait this long between requests")
        ->capture_default_str();
    cmd->add_option("--tls-listen", o.tls_listen,
                    "also serve the API and the agent link over TLS at host:port; agents must "
                    "then use it (https://)");
    cmd->add_option("--tls-cert", o.tls_cert,
                    "the TLS listener's certificate chain (PEM; default: a self-signed one kept in "
                    "<data-dir>/tls/, fingerprint in server.fingerprint)");
    cmd->add_option("--tls-key", o.tls_key, "the key of --tls-cert (PEM)");
    cmd->add_option("--quota", o.quotas,
                    "NAME=VALUE: the default quota for every account (repeatable; an account's "
                    "own, from `ecsd account set-quota`, wins); NAME (built-in default): " +
                        QuotaNames(true));
    cmd->add_flag("--test-clock", o.test_clock,
                  "let the operator move the cloud's clock forward (ecsd operator advance-clock): "
                  "expiries, renewals and bills in seconds; for tests");
    cmd->add_option("--webhook-allow", o.webhook_allow,
                    "alarm webhooks: CIDR blocks (comma-separated) they may be posted to although "
                    "loopback, private or otherwise special (default: none)");
    cmd->add_option("--prices", o.prices,
                    "the price table (JSON; `ecsd prices` prints the built-in one to edit)");
    cmd->add_option("--credit-limit", o.credit_limit,
                    "how far below zero an account's balance may go before it is overdue and its "
                    "pay-as-you-go instances are stopped (unlimited: never)")
        ->capture_default_str();
    cmd->add_option("--metrics-retention-days", o.metrics_retention_days,
                    "how long monitoring points are kept, in days: 60 s,600 s,3600 s points")
        ->capture_default_str();
    cmd->add_option("--host-lost-after", o.host_lost_after_s,
                    "seconds without a word from a host's agent before the host is declared lost: "
                    "its instances on shared storage start on other hosts, the others stop")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    cmd->add_option("--audit-retention-days", o.audit_retention_days,
                    "how long the audit trail keeps an API call, in days")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    cmd->add_option("--metrics-listen", o.metrics_listen,
                    "also serve GET /metrics (Prometheus: the API's and the embedded agent's) on "
                    "its own listener at HOST:PORT, or PORT on 127.0.0.1 (default: only on the API "
                    "listener, to loopback callers)");
    cmd->add_option("--console-dir", o.console_dir,
                    "the web console's files (default: ./console, else the repository's next to "
                    "the build)");
    cmd->add_option("--store", o.store,
                    "where the cloud's state is kept: sqlite:PATH, or a PostgreSQL URI "
                    "postgresql://... (scripts/postgres makes one; secrets.key, metrics and the "
                    "audit trail stay in --data-dir) (default: sqlite:<data-dir>/openecs.db)");
    AddHostOptions(cmd, o.host);
  };
  add_server_options(dev);
  dev->add_flag("!--no-local-agent", o.local_agent,
                "serve the API only; hosts join with `ecsd agent --server`");
  auto* server_cmd = app.add_subcommand(
      "server",
      "an API server without a host of its own (hosts join with `ecsd agent --server`); any "
      "number of them serve one cloud on one PostgreSQL --store (README: Several servers)");
  add_server_options(server_cmd);
  server_cmd->get_option("--store")->required();

  AgentCmdOptions a;
  auto* agent_cmd = app.add_subcommand("agent", "a host agent that joins the server at --server");
  agent_cmd->add_option("--server", a.server, "the server, http://host:port or https://host:port")
      ->required();
  agent_cmd->add_option("--server-fingerprint", a.trust.fingerprint,
                        "trust the https server whose certificate has this SHA-256 fingerprint "
                        "(its <data-dir>/tls/server.fingerprint)");
  agent_cmd->add_option("--ca-file", a.trust.ca_file,
                        "trust the https server's certificate if these CAs (PEM) signed it "
                        "(default: the system's CAs)");
  agent_cmd->add_option("--token-file", a.token_file,
                        "file holding the server's agent token (or set OPENECS_AGENT_TOKEN)");
  agent_cmd->add_option("--zone", a.host.zone, "zone this host is in")->required();
  agent_cmd->add_option("--metrics-listen", a.metrics_listen,
                        "serve GET /metrics (Prometheus: this agent's own metrics) at HOST:PORT, "
                        "or PORT on 127.0.0.1 (default: off)");
  a.host.data_dir = "agent-data";
  agent_cmd
      ->add_option("--simulate-hosts", a.simulate_hosts,
                   "with --driver fake: run this many emulated hosts in this process, each "
                   "registered on its own (<name>-0001, ...), for scale runs")
      ->check(CLI::Range(0, 5000));
  AddHostOptions(agent_cmd, a.host);
  AccountCmdOptions acct;
  auto* account_cmd = app.add_subcommand("account", "the cloud's accounts (tenants)");
  account_cmd->require_subcommand(1);
  auto* account_create =
      account_cmd->add_subcommand("create", "make an account; prints its root AccessKey as JSON");
  account_create->add_option("--name", acct.name, "the account's name (unique)")->required();
  auto* account_list = account_cmd->add_subcommand("list", "the accounts, as JSON (no secrets)");
  auto* account_set_quota = account_cmd->add_subcommand(
      "set-quota", "override an account's quotas; a running server applies them within a second");
  account_set_quota->add_option("--account", acct.account, "the account's id or name")->required();
  account_set_quota
      ->add_option("--quota", acct.quotas,
                   "NAME=VALUE, or NAME=default to drop the override (repeatable); NAME: " +
                       QuotaNames(false))
      ->required();
  for (auto* c : {account_create, account_list, account_set_quota}) {
    c->add_option("--data-dir", acct.data_dir, "the server's data directory")
        ->capture_default_str();
    c->add_option("--store", acct.store,
                  "the server's store instead of <data-dir>'s (sqlite:<path> or "
                  "postgresql://...)");
    c->add_option("--secrets-key", acct.secrets_key,
                  "the server's secrets key (default: secrets.key beside a SQLite store, else in "
                  "--data-dir)");
  }
  auto run_operator = AddOperatorCommands(app);
  auto run_audit = AddAuditCommands(app);
  CLI11_PARSE(app, argc, argv);
  if (int rc = run_operator(); rc != -1) return rc;
  if (int rc = run_audit(); rc != -1) return rc;
  if (account_create->parsed()) return RunAccount(acct, AccountCmd::kCreate);
  if (account_list->parsed()) return RunAccount(acct, AccountCmd::kList);
  if (account_set_quota->parsed()) return RunAccount(acct, AccountCmd::kSetQuota);
  if (dev->parsed()) return RunDev(o);
  if (server_cmd->parsed()) {
    o.local_agent = false;
    return RunDev(o);
  }
  if (agent_cmd->parsed()) return RunAgent(a);
  return 0;
}
