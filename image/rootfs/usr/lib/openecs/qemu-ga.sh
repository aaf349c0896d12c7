#!/bin/sh
# Runs qemu-guest-agent on the virtio-serial port named org.qemu.guest_agent.0 (OpenECS gives
# every guest one; Cloud Assistant runs commands and writes files through it). Started and
# respawned by busybox init (/etc/inittab), after rcS. busybox mdev makes no
# /dev/virtio-ports/ links, so the port is found by its name in sysfs (/dev/vportNpM comes from
# devtmpfs). No such port (another hypervisor, virtio_console missing): wait, exit, and be
# respawned, so the agent comes up if the port ever appears without hot-looping meanwhile.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
exec </dev/null >>/run/qemu-ga.log 2>&1
port=
for n in /sys/class/virtio-ports/*/name; do
  [ -r "$n" ] || continue
  name=; read -r name <"$n"
  if [ "$name" = org.qemu.guest_agent.0 ]; then
    d=${n%/name}
    port=/dev/${d##*/}
    break
  fi
done
if [ -z "$port" ] || [ ! -c "$port" ]; then
  echo "qemu-ga.sh: no virtio-serial port org.qemu.guest_agent.0; retrying in 10 s"
  sleep 10
  exit 1
fi
exec qemu-ga -m virtio-serial -p "$port" -t /run -f /run/qemu-ga.pid
