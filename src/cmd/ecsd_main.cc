// ecsd: the OpenECS daemon. `ecsd dev` runs the API server and one embedded host agent in one
// process on SQLite. (`ecsd server` and `ecsd agent` arrive with the multi-host work.)
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "agent/agent.h"
#include "api/api_server.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/text.h"
#include "hypervisor/fake/fake_driver.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "service/agent_service.h"
#include "service/cloud.h"
#include "store/store.h"

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
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
  }
  chmod(tmp.c_str(), 0600);
  std::rename(tmp.c_str(), path.c_str());
}

struct DevOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  std::string driver = QemuDriver::Available() ? "qemu" : "fake";
  std::string image_dir = "images";
  std::string region = "local";
  std::string zones = "";
  int fake_delay_ms = 300;
  int fake_host_vcpus = 100000;
  int64_t fake_host_memory_mb = 400LL * 1024 * 1024;
  int fake_host_gpus = 0;
  int threads = 2;
  int host_vcpus = 0;
  int cpu_overcommit = 4;
  bool verbose = false;
};

int RunDev(const DevOptions& o) {
  if (o.verbose) spdlog::set_level(spdlog::level::debug);
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    std::cerr << "cannot create data dir " << o.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  if (o.driver != "fake" && o.driver != "qemu") {
    std::cerr << "unknown driver '" << o.driver << "': use qemu or fake\n";
    return 2;
  }
  if (o.driver == "qemu" && !QemuDriver::Available()) {
    std::cerr << "the qemu driver needs qemu-system-x86_64 (apt-get install qemu-system-x86 "
                 "qemu-utils), or run with --driver fake\n";
    return 2;
  }
  auto store = Store::Open("sqlite:" + o.data_dir + "/openecs.db");
  if (!store.ok()) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  CloudConfig config;
  config.region_id = o.region;
  config.zones = o.zones.empty() ? std::vector<std::string>{o.region + "-a", o.region + "-b"}
                                 : Split(o.zones, ',');
  auto cloud = Cloud::Open(store->get(), config);
  if (!cloud.ok()) {
    std::cerr << cloud.error().message << "\n";
    return 1;
  }
  auto account = EnsureRootAccount(**cloud);
  if (!account.ok()) {
    std::cerr << account.error().message << "\n";
    return 1;
  }

  // The embedded agent and its hypervisor driver.
  char hostname[256] = "localhost";
  gethostname(hostname, sizeof(hostname) - 1);
  std::unique_ptr<Driver> driver;
  FakeDriver* fake = nullptr;
  FakeDriverOptions fo;
  fo.journal_path = o.data_dir + "/fake-hypervisor.journal";
  fo.delay_ms = o.fake_delay_ms;
  fo.host = HostInfo{std::string(hostname) + "-fake",
                     config.zones.front(),
                     o.fake_host_vcpus,
                     o.fake_host_memory_mb,
                     100000,
                     o.fake_host_gpus,
                     o.fake_host_gpus > 0 ? "NVIDIA A10" : "",
                     false,
                     "fake"};
  if (o.driver == "fake") {
    auto f = std::make_unique<FakeDriver>(fo);
    fake = f.get();
    driver = std::move(f);
  } else {
    QemuDriverOptions qo;
    qo.state_dir = o.data_dir + "/instances";
    qo.disk_dir = o.data_dir + "/disks";
    qo.image_dir = o.image_dir;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
    int64_t memory_mb = static_cast<int64_t>(pages) * page_size / (1024 * 1024);
    // vCPUs are overcommitted (guests mostly idle); 1 GiB stays with the host.
    qo.host = HostInfo{std::string(hostname),
                       config.zones.front(),
                       o.host_vcpus > 0 ? o.host_vcpus : static_cast<int>(cores * o.cpu_overcommit),
                       std::max<int64_t>(memory_mb - 1024, 512),
                       1000,
                       0,
                       "",
                       false,
                       "qemu"};
    driver = std::make_unique<QemuDriver>(qo);
  }
  AgentService agent_service(**cloud);
  AgentOptions ao;
  ao.host = driver->DescribeHost();
  Agent agent(&agent_service, driver.get(), ao);
  if (Status st = agent.Start(); !st.ok()) {
    std::cerr << "agent: " << st.error().message << "\n";
    return 1;
  }

  std::string ak = account->access_key_id;
  Authenticator auth([&cloud, ak](const std::string& id) -> std::optional<Credential> {
    return (*cloud)->Read<std::optional<Credential>>(
        [&](const State& s) -> std::optional<Credential> {
          for (const auto& [aid, a] : s.accounts)
            if (a.access_key_id == id) return Credential{a.id, a.access_key_secret};
          return std::nullopt;
        });
  });
  ApiServer api(**cloud, auth);
  api.AddRoute("/openecs/health", [](const HttpRequest&) {
    HttpResponse r;
    r.body = R"({"Status":"ok"})";
    return r;
  });
  // Emulator controls: failure injection and delays of the fake hypervisor.
  api.AddRoute("/openecs/fake/faults", [fake](const HttpRequest& req) {
    if (!fake)
      return ErrorResponse(MakeError(ErrorCode::kInvalidAction, "not in emulator mode"), "fake",
                           false);
    std::map<std::string, std::string> q;
    size_t pos = req.target.find('?');
    if (pos != std::string::npos) ParseUrlEncoded(req.target.substr(pos + 1), false, &q);
    HttpResponse r;
    Status st = Ok();
    if (q.count("delay_ms")) fake->set_delay_ms(std::atoi(q["delay_ms"].c_str()));
    if (q.count("op"))
      st = fake->InjectFailures(q["op"], q.count("count") ? std::atoi(q["count"].c_str()) : 1);
    if (!st.ok()) return ErrorResponse(st.error(), "fake", false);
    r.body = R"({"Status":"ok"})";
    return r;
  });
  auto server = HttpServer::Start(o.listen, o.threads,
                                  [&api](const HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) {
    std::cerr << server.error().message << "\n";
    return 1;
  }
  std::string host = o.listen.substr(0, o.listen.rfind(':'));
  std::string endpoint = host + ":" + std::to_string((*server)->port());
  WriteCredentials(o.data_dir, *account, endpoint, config.region_id);
  std::cout << "OpenECS dev: region " << config.region_id << ", driver " << o.driver
            << (fake ? " (emulator mode)" : "") << "\n"
            << "  AccessKeyId:     " << account->access_key_id << "\n"
            << "  AccessKeySecret: " << account->access_key_secret << "\n"
            << "  credentials:     " << o.data_dir << "/credentials\n"
            << "listening on " << endpoint << std::endl;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  LOG_INFO("shutting down (guests keep running; the next start adopts them)");
  (*server)->Stop();
  agent.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ecsd: the OpenECS daemon"};
  app.require_subcommand(1);
  DevOptions o;
  auto* dev =
      app.add_subcommand("dev", "API server + one embedded host agent, SQLite, one process");
  dev->add_option("--listen", o.listen, "host:port to serve the API on")->capture_default_str();
  dev->add_option("--data-dir", o.data_dir, "where the database, credentials and disks live")
      ->capture_default_str();
  dev->add_option("--driver", o.driver, "hypervisor driver: fake (emulator mode) or qemu")
      ->capture_default_str();
  dev->add_option("--region", o.region, "region id")->capture_default_str();
  dev->add_option("--zones", o.zones, "comma-separated zone ids (default <region>-a,<region>-b)");
  dev->add_option("--fake-delay-ms", o.fake_delay_ms, "fake driver: delay per operation")
      ->capture_default_str();
  dev->add_option("--fake-host-vcpus", o.fake_host_vcpus, "fake driver: host vCPUs")
      ->capture_default_str();
  dev->add_option("--fake-host-memory-mb", o.fake_host_memory_mb, "fake driver: host memory")
      ->capture_default_str();
  dev->add_option("--fake-host-gpus", o.fake_host_gpus, "fake driver: host GPUs")
      ->capture_default_str();
  dev->add_option("--threads", o.threads, "HTTP I/O threads")->capture_default_str();
  dev->add_option("--image-dir", o.image_dir, "qemu driver: built images (scripts/build-image)")
      ->capture_default_str();
  dev->add_option("--host-vcpus", o.host_vcpus,
                  "qemu driver: vCPUs to offer (default cores x overcommit)");
  dev->add_option("--cpu-overcommit", o.cpu_overcommit, "qemu driver: vCPUs per core")
      ->capture_default_str();
  dev->add_flag("--verbose", o.verbose, "debug logging");
  CLI11_PARSE(app, argc, argv);
  if (dev->parsed()) return RunDev(o);
  return 0;
}
