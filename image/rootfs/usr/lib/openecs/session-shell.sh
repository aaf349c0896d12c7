#!/bin/sh
# Session Manager's shell (StartTerminalSession): a root login shell on /dev/hvc0, the
# virtconsole OpenECS names org.openecs.session.0 (its host end is the instance's session.sock).
# Started and respawned by busybox init (/etc/inittab). `setsid -c` makes hvc0 the shell's
# controlling terminal, so Ctrl-C reaches what runs in it and `exit` ends it (init starts a
# fresh one). It runs as this script's child, never exec'd: init makes this script a session
# leader on /dev/console, so an exec'd setsid would fork and exit, and that exit hangs up the
# console's process group, which the forked child is still in until it calls setsid(2) -- on a
# one-vCPU TCG guest the child nearly always lost that race and the shell never started. hvc0 may appear a moment after init starts this; none within 30 s (another
# hypervisor, virtio_console missing): exit and be respawned, without hot-looping.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=xterm
i=0
while [ ! -c /dev/hvc0 ] && [ "$i" -lt 30 ]; do
  sleep 1
  i=$((i + 1))
done
[ -c /dev/hvc0 ] || exit 0
cd /root 2>/dev/null || cd /
setsid -c /bin/sh -l </dev/hvc0 >/dev/hvc0 2>&1
