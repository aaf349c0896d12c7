#include "hypervisor/qemu/argv.h"

#include <gtest/gtest.h>

#include "hypervisor/qemu/cidata.h"

namespace openecs {

TEST(QemuArgv, Golden) {
  QemuVmConfig c;
  c.instance_id = "i-1";
  c.vcpus = 2;
  c.memory_mb = 512;
  c.kernel = "/img/vmlinuz";
  c.initrd = "/img/initrd.img";
  c.cmdline = "console=ttyS0 root=/dev/vda rw";
  c.disks = {{"/s/i-1/d-sys.qcow2", "qcow2", false, "d-sys", 2300, 130000000}};
  c.fw_cfg = {{"opt/org.openecs/meta-data", "/s/i-1/meta-data"}};
  c.mac = "00:16:3e:00:00:01";
  c.console_log = "/s/i-1/console.log";
  c.qmp_socket = "/s/i-1/qmp.sock";
  c.qmp_events_socket = "/s/i-1/events.sock";
  c.pid_file = "/s/i-1/qemu.pid";
  c.vnc_socket = "/s/i-1/vnc.sock";
  c.vnc_websocket = "127.0.0.1:5701";
  c.vnc_console_socket = "/s/i-1/vnc-console.sock";
  c.spare_root_ports = 1;
  c.guest_agent_socket = "/s/i-1/qga.sock";
  c.session_socket = "/s/i-1/session.sock";
  c.vga = true;
  std::string joined;
  for (const auto& a : BuildQemuArgv(c)) joined += a + "\n";
  EXPECT_EQ(
      joined,
      "qemu-system-x86_64\n-name\nguest=i-1,process=openecs-i-1\n-machine\nq35,accel=tcg\n"
      "-smp\n2\n-m\n512\n"
      "-smbios\ntype=1,manufacturer=Alibaba Cloud,product=Alibaba Cloud ECS,serial=i-1\n"
      "-nodefaults\n-no-user-config\n-display\nnone\n"
      "-kernel\n/img/vmlinuz\n-initrd\n/img/initrd.img\n-append\nconsole=ttyS0 root=/dev/vda rw\n"
      "-blockdev\ndriver=file,filename=/s/i-1/d-sys.qcow2,node-name=f-d-sys\n"
      "-blockdev\ndriver=qcow2,file=f-d-sys,node-name=q-d-sys\n"
      "-object\nthrottle-group,id=tg-d-sys,x-iops-total=2300,x-bps-total=130000000\n"
      "-blockdev\ndriver=throttle,throttle-group=tg-d-sys,file=q-d-sys,node-name=t-d-sys\n"
      "-device\npcie-root-port,id=rp0,chassis=1,slot=1\n"
      "-device\nvirtio-blk-pci,drive=t-d-sys,id=dev-d-sys,bus=rp0,serial=sys,bootindex=1\n"
      "-device\npcie-root-port,id=rp1,chassis=2,slot=2\n"
      "-netdev\nuser,id=net0,restrict=on\n"
      "-device\nvirtio-net-pci,netdev=net0,id=nic0,bus=rp1,mac=00:16:3e:00:00:01\n"
      "-object\nrng-random,id=rng0,filename=/dev/urandom\n"
      "-device\npcie-root-port,id=rp2,chassis=3,slot=3\n"
      "-device\nvirtio-rng-pci,rng=rng0,bus=rp2\n"
      "-device\npcie-root-port,id=hp0,chassis=4,slot=4\n"
      "-device\nvirtio-serial-pci,id=vser0,bus=pcie.0\n"
      "-chardev\nsocket,id=qga0,path=/s/i-1/qga.sock,server=on,wait=off\n"
      "-device\nvirtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0\n"
      "-chardev\nsocket,id=session0,path=/s/i-1/session.sock,server=on,wait=off\n"
      "-device\nvirtconsole,bus=vser0.0,chardev=session0,name=org.openecs.session.0\n"
      "-device\nVGA,id=vga0,bus=pcie.0\n"
      "-fw_cfg\nname=opt/org.openecs/meta-data,file=/s/i-1/meta-data\n"
      "-chardev\nfile,id=console0,path=/s/i-1/console.log,append=on\n-serial\nchardev:console0\n"
      "-qmp\nunix:/s/i-1/qmp.sock,server=on,wait=off\n"
      "-qmp\nunix:/s/i-1/events.sock,server=on,wait=off\n"
      "-vnc\nunix:/s/i-1/vnc.sock,websocket=127.0.0.1:5701,password=on\n"
      "-vnc\nunix:/s/i-1/vnc-console.sock,id=console\n"
      "-pidfile\n/s/i-1/qemu.pid\n-daemonize\n");
}

TEST(QemuArgv, RbdDisksAreOpenedByQemusRbdDriver) {
  QemuVmConfig c;
  c.instance_id = "i-1";
  DiskVolume v;
  v.format = "raw";
  v.rbd = RbdImage{"openecs", "d-sys", "/c/ceph.conf", "admin"};
  c.disks = {QemuDiskOf(v, "d-sys", 0, 0)};
  std::string joined;
  for (const auto& a : BuildQemuArgv(c)) joined += a + "\n";
  EXPECT_NE(joined.find("-blockdev\ndriver=rbd,pool=openecs,image=d-sys,conf=/c/ceph.conf,"
                        "user=admin,node-name=f-d-sys\n-blockdev\ndriver=raw,file=f-d-sys,"
                        "node-name=q-d-sys\n"),
            std::string::npos)
      << joined;
}

TEST(QemuArgv, TapNicsStartPaused) {
  QemuVmConfig c;
  c.instance_id = "i-2";
  c.nics = {{"eni-a", "oe000000000000a", "00:16:3e:00:00:0a"}};
  c.start_paused = true;
  c.spare_root_ports = 0;
  std::string joined;
  for (const auto& a : BuildQemuArgv(c)) joined += a + "\n";
  EXPECT_NE(
      joined.find("-device\npcie-root-port,id=rp0,chassis=1,slot=1\n"
                  "-netdev\ntap,id=net-eni-a,ifname=oe000000000000a,script=no,downscript=no\n"),
      std::string::npos)
      << joined;
  EXPECT_NE(joined.find("-device\nvirtio-net-pci,netdev=net-eni-a,id=nic-eni-a,bus=rp0,"
                        "mac=00:16:3e:00:00:0a\n"),
            std::string::npos);
  EXPECT_EQ(joined.find("user,id=net0"), std::string::npos) << "no user-mode NIC next to a tap";
  EXPECT_NE(joined.find("\n-S\n-pidfile"), std::string::npos);
  EXPECT_EQ(joined.find("virtio-serial"), std::string::npos) << "no agent channel unless asked";
  EXPECT_EQ(joined.find("VGA"), std::string::npos);
}

TEST(NoCloud, MetadataForTheGuest) {
  DesiredVm vm;
  vm.instance_id = "i-1";
  vm.host_name = "web-1";
  vm.public_key = "ssh-ed25519 AAAA me@host";
  vm.password = "Pa'ss1!";
  vm.user_data = "IyEvYmluL3NoCmVjaG8gaGk=";  // #!/bin/sh\necho hi
  auto files = BuildNoCloud(vm);
  EXPECT_EQ(
      files["meta-data"],
      "instance-id: i-1\nlocal-hostname: 'web-1'\npublic-keys:\n  - 'ssh-ed25519 AAAA me@host'\n");
  EXPECT_EQ(files["user-data"], "#!/bin/sh\necho hi");
  EXPECT_EQ(files["vendor-data"], "#cloud-config\npassword: 'Pa''ss1!'\n");
}

}  // namespace openecs
