#!/usr/bin/env bash
# Boots the built-in image debian_12_tiny_x64_openecs under QEMU (TCG) and checks what the
# control plane relies on:
#   A. NoCloud vfat config drive, user-data shell script, key + password in meta-data, user-mode
#      NIC with SSH port-forward: boot-complete line with the hostname, user-data output and its
#      file, SSH login with the key, ACPI power button -> shutdown line and QEMU exit < 20 s;
#      second boot of the same disk: boot_count=2, user-data not run again.
#   B. #cloud-config user-data (hostname, password, ssh_authorized_keys, runcmd).
#   C. iso9660 config drive, no NIC at all (DHCP must not hold the boot up).
#   D. HTTP metadata service (openecs.md_url=, a local python server reached through slirp)
#      with a config drive attached too: HTTP wins, the drive gives only the root password.
#   E. No metadata at all.
#   F. The uncompressed kernel (image.json "kernel_pvh", PVH direct boot), if the image has one.
#   H. qemu-guest-agent on its virtio-serial port: guest-ping, guest-exec output and exit code;
#      QMP screendump (VGA) gives a PNG; inject-nmi reaches the kernel.
#
#   tests/system/image_boot_test.sh OUT_DIR     (OUT_DIR as made by scripts/build-image)
#
# Prints the wall time from QEMU start to the boot-complete line for every boot, then
# "N passed, M failed". Exits non-zero on any failure.
set -uo pipefail

OUT=${1:?usage: $0 OUT_DIR}
OUT=$(cd "$OUT" && pwd)
DISK=$(sed -n 's/.*"disk": "\([^"]*\)".*/\1/p' "$OUT/image.json" 2>/dev/null)
for f in vmlinuz initrd.img "${DISK:-base.qcow2}" image.json; do
  [ -f "$OUT/$f" ] || { echo "missing $OUT/$f (run scripts/build-image $OUT)" >&2; exit 1; }
done
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
command -v genisoimage >/dev/null || need+=(genisoimage)
command -v ssh >/dev/null || need+=(openssh-client)
command -v python3 >/dev/null || need+=(python3)
command -v busybox >/dev/null || need+=(busybox-static)
command -v bc >/dev/null || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "missing tools: ${need[*]}" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

KERNEL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"])' "$OUT/image.json")
KERNEL_PVH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("kernel_pvh",""))' "$OUT/image.json")
CMDLINE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$OUT/image.json")
MARKER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["boot_complete_marker"])' "$OUT/image.json")
W=$(mktemp -d /tmp/openecs-image-test.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ "${KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

PASS=0 FAIL=0
ok() { echo "ok   - $*"; PASS=$((PASS + 1)); }
bad() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
check() { # check DESC CMD...
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; return 1; fi
}

same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
# crypt_sha512 PASSWORD SALT
crypt_sha512() {
  printf '%s\n' "$1" | busybox mkpasswd -m sha512 -P 0 -S "$2" 2>/dev/null ||
    python3 -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], "$6$" + sys.argv[2]))' "$1" "$2" 2>/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ssh-keygen -q -t ed25519 -N '' -C openecs-test -f "$W/id_ed25519"
PUBKEY=$(cat "$W/id_ed25519.pub")
SSH_OPTS=(-i "$W/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=20 -o LogLevel=ERROR)

# make_vfat DIR IMG / make_iso DIR IMG: NoCloud drive labelled cidata from the files in DIR.
make_vfat() {
  rm -f "$2"
  truncate -s 2M "$2"
  mkfs.vfat -n CIDATA "$2" >/dev/null
  mcopy -i "$2" "$1"/* ::/
}
make_iso() { genisoimage -quiet -V cidata -J -r -o "$2" "$1"/* 2>/dev/null; }

# boot NAME DISK EXTRA_APPEND QEMU_ARGS...: starts QEMU; sets QPID, CONSOLE, QMP, T0.
boot() {
  local name=$1 disk=$2 extra=$3
  shift 3
  CONSOLE=$W/$name.console.log
  QMP=$W/$name.qmp
  rm -f "$CONSOLE" "$QMP"
  T0=$(date +%s.%N)
  qemu-system-x86_64 -machine q35,accel=tcg -m 256 -smp 1 \
    -kernel "$OUT/${BOOT_KERNEL:-$KERNEL}" -initrd "$OUT/initrd.img" -append "$CMDLINE $extra" \
    -drive file="$disk",if=virtio,format=qcow2 \
    -serial file:"$CONSOLE" -display none -monitor none -qmp unix:"$QMP",server,nowait \
    "$@" >"$W/$name.qemu.log" 2>&1 &
  QPID=$!
  PIDS+=("$QPID")
}

# wait_for PATTERN [TIMEOUT]: waits until the console has a line matching PATTERN (grep -E).
wait_for() {
  local deadline=$((SECONDS + ${2:-$BOOT_TIMEOUT}))
  while [ $SECONDS -lt $deadline ]; do
    grep -qE "$1" "$CONSOLE" 2>/dev/null && return 0
    kill -0 "$QPID" 2>/dev/null || { grep -qE "$1" "$CONSOLE" 2>/dev/null; return; }
    sleep 0.05
  done
  return 1
}

# wait_boot DESC: waits for the boot-complete line and prints the wall time to it.
BOOT_LINE=
wait_boot() {
  if wait_for "^$MARKER "; then
    local t
    t=$(echo "$(date +%s.%N) - $T0" | bc)
    BOOT_LINE=$(grep -E "^$MARKER " "$CONSOLE" | head -n 1 | tr -d '\r')
    printf 'boot %-28s %5.2f s wall to %s\n' "$1" "$t" "$MARKER"
    ok "$1: boot-complete line"
    return 0
  fi
  BOOT_LINE=
  bad "$1: no boot-complete line within ${BOOT_TIMEOUT}s; console:"
  sed 's/^/    | /' "$CONSOLE"
  return 1
}

qmp() { # qmp COMMAND: sends one QMP command on $QMP
  python3 - "$QMP" "$1" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
    if "error" in r:
        sys.exit("QMP error: %s" % r["error"])
EOF
}

# powerdown DESC: ACPI power button; checks the shutdown line and that QEMU exits within 20 s.
powerdown() {
  local t0=$SECONDS
  if ! qmp system_powerdown; then bad "$1: QMP system_powerdown"; kill "$QPID"; wait "$QPID"; return; fi
  local i=0
  while kill -0 "$QPID" 2>/dev/null && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
  if kill -0 "$QPID" 2>/dev/null; then
    bad "$1: QEMU still running 20 s after system_powerdown"
    kill "$QPID"
  else
    ok "$1: QEMU exited $((SECONDS - t0)) s after system_powerdown"
  fi
  wait "$QPID" 2>/dev/null
  check "$1: shutdown line on the console" has '^OPENECS shutdown: acpi power button$'
  # (not anchored: the console getty, respawned while rcK runs, may print its prompt first)
  if ! check "$1: filesystems unmounted before power-off" has 'OPENECS shutdown: filesystems synced and unmounted'; then
    tail -n 8 "$CONSOLE" | sed 's/^/    | /'
  fi
}

# The serial console ends lines with \r\n.
has() { tr -d '\r' <"$CONSOLE" | grep -qE "$1"; }
hasnt() { ! has "$1"; }
line_is() { [ "$BOOT_LINE" = "$1" ]; }

# ---------------------------------------------------------------------------------------------
echo "# A: vfat cidata, user-data shell script, user-mode NIC with SSH"
mkdir -p "$W/a"
cat >"$W/a/meta-data" <<EOF
instance-id: i-testa0001
local-hostname: tiny-a
password: 'S3cret-pw'
public-keys:
  - $PUBKEY
EOF
cat >"$W/a/user-data" <<'EOF'
#!/bin/sh
echo "USERDATA-RAN-MARKER pid=$$"
echo ran >/var/lib/openecs/userdata-side-effect
echo to-stderr >&2
exit 3
EOF
make_vfat "$W/a" "$W/a.cidata.img"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/a.qcow2"
PORT=$(free_port)
boot a1 "$W/a.qcow2" "" -drive file="$W/a.cidata.img",if=virtio,format=raw,readonly=on \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22
if wait_boot "A first boot"; then
  check "A: boot line has id and hostname" line_is "$MARKER instance-id=i-testa0001 hostname=tiny-a"
  check "A: boot_count=1" has '^OPENECS boot_count=1( |$)'
  check "A: DHCP lease" has '^OPENECS net: eth0 10\.0\.2\.15/24'
  check "A: user-data output with prefix" has '^user-data: USERDATA-RAN-MARKER'
  check "A: user-data stderr with prefix" has '^user-data: to-stderr'
  check "A: user-data exit status" has '^OPENECS user-data exit=3'
  out=$(ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 \
    'hostname; cat /var/lib/openecs/userdata-side-effect; cut -d: -f1,2 /etc/shadow | grep ^root:' 2>&1)
  check "A: ssh with the meta-data key runs hostname" [ "$(echo "$out" | sed -n 1p)" = tiny-a ]
  check "A: user-data side effect file" [ "$(echo "$out" | sed -n 2p)" = ran ]
  hash=$(echo "$out" | sed -n 3p | cut -d: -f2)
  salt=$(echo "$hash" | cut -d'$' -f3)
  check "A: root password from meta-data (sha512 crypt)" same "$hash" "$(crypt_sha512 'S3cret-pw' "$salt")"
  [ "$(echo "$out" | sed -n 1p)" = tiny-a ] || echo "    ssh said: $out"
fi
powerdown "A first boot"

boot a2 "$W/a.qcow2" "" -drive file="$W/a.cidata.img",if=virtio,format=raw,readonly=on \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22
if wait_boot "A second boot"; then
  check "A2: boot line" line_is "$MARKER instance-id=i-testa0001 hostname=tiny-a"
  check "A2: boot_count=2" has '^OPENECS boot_count=2( |$)'
  check "A2: user-data not run again" hasnt 'USERDATA-RAN-MARKER'
  check "A2: ssh still works (host key kept)" [ "$(ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 hostname 2>/dev/null)" = tiny-a ]
fi
powerdown "A second boot"

# ---------------------------------------------------------------------------------------------
echo "# B: #cloud-config user-data"
mkdir -p "$W/b"
printf 'instance-id: i-testb0001\nlocal-hostname: from-meta-data\n' >"$W/b/meta-data"
cat >"$W/b/user-data" <<EOF
#cloud-config
hostname: tiny-b
password: "pa:ss word"
chpasswd: { expire: False }
ssh_pwauth: true
ssh_authorized_keys:
  - $PUBKEY
runcmd:
  - echo RUNCMD-ONE
  - echo "RUNCMD-TWO \$(hostname)" > /var/lib/openecs/runcmd-ran
EOF
make_vfat "$W/b" "$W/b.cidata.img"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/b.qcow2"
PORT=$(free_port)
boot b "$W/b.qcow2" "" -drive file="$W/b.cidata.img",if=virtio,format=raw,readonly=on \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22
if wait_boot "B cloud-config"; then
  check "B: hostname from cloud-config wins" line_is "$MARKER instance-id=i-testb0001 hostname=tiny-b"
  check "B: runcmd ran" has '^runcmd: RUNCMD-ONE'
  out=$(ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 'cat /var/lib/openecs/runcmd-ran; grep ^root: /etc/shadow' 2>&1)
  check "B: ssh with the cloud-config key; runcmd side effect" [ "$(echo "$out" | sed -n 1p)" = "RUNCMD-TWO tiny-b" ]
  hash=$(echo "$out" | sed -n 2p | cut -d: -f2)
  salt=$(echo "$hash" | cut -d'$' -f3)
  check "B: root password from cloud-config" same "$hash" "$(crypt_sha512 'pa:ss word' "$salt")"
fi
powerdown "B cloud-config"

# ---------------------------------------------------------------------------------------------
echo "# C: iso9660 cidata, no NIC"
mkdir -p "$W/c"
printf 'instance-id: i-testc0001\nlocal-hostname: tiny-c\n' >"$W/c/meta-data"
printf '#!/bin/sh\necho ISO-USERDATA\n' >"$W/c/user-data"
make_iso "$W/c" "$W/c.cidata.iso"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/c.qcow2"
boot c "$W/c.qcow2" "" -drive file="$W/c.cidata.iso",if=virtio,format=raw,readonly=on -nic none
if wait_boot "C iso9660, no NIC"; then
  check "C: boot line" line_is "$MARKER instance-id=i-testc0001 hostname=tiny-c"
  check "C: user-data from the iso" has '^user-data: ISO-USERDATA'
fi
powerdown "C iso9660, no NIC"

# ---------------------------------------------------------------------------------------------
echo "# G: fw_cfg metadata (what OpenECS gives every guest): no disk besides the system disk"
mkdir -p "$W/g"
printf "instance-id: i-testg0001\nlocal-hostname: tiny-g\npassword: 'Fw-cfg-pw1'\n" >"$W/g/meta-data"
printf '#!/bin/sh\necho FWCFG-USERDATA disks=$(ls /sys/block | grep ^vd | tr "\\n" ,)\n' >"$W/g/user-data"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/g.qcow2"
boot g "$W/g.qcow2" "" -nic none \
  -fw_cfg name=opt/org.openecs/meta-data,file="$W/g/meta-data" \
  -fw_cfg name=opt/org.openecs/user-data,file="$W/g/user-data"
if wait_boot "G fw_cfg"; then
  check "G: boot line" line_is "$MARKER instance-id=i-testg0001 hostname=tiny-g"
  check "G: metadata from fw_cfg" has '^OPENECS metadata: source=fwcfg instance-id=i-testg0001 .*password=set'
  check "G: user-data ran; the guest has one disk, vda" has '^user-data: FWCFG-USERDATA disks=vda,$'
fi
powerdown "G fw_cfg"

# ---------------------------------------------------------------------------------------------
echo "# D: HTTP metadata service"
mkdir -p "$W/d/latest/meta-data/public-keys/0"
echo i-testd0001 >"$W/d/latest/meta-data/instance-id"
echo tiny-d >"$W/d/latest/meta-data/hostname"
printf 0/ >"$W/d/latest/meta-data/public-keys/index.html"  # no newline, as ECS answers
echo "$PUBKEY" >"$W/d/latest/meta-data/public-keys/0/openssh-key"
printf '#!/bin/sh\necho HTTP-USERDATA\n' >"$W/d/latest/user-data"
HTTP_PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$W/d" "$HTTP_PORT" >"$W/http.log" 2>&1 &
PIDS+=($!)
# A config drive is attached too: HTTP wins, the drive only gives the root password, which the
# metadata service never serves. Like OpenECS's (hypervisor/qemu/cidata.cc), the drive has it
# in vendor-data (until that was read too, RunInstances' Password never reached a guest on a VPC).
mkdir -p "$W/dd"
printf "instance-id: i-drive0001\nlocal-hostname: from-drive\n" >"$W/dd/meta-data"
printf "#cloud-config\npassword: 'Drive-pw1'\n" >"$W/dd/vendor-data"
make_vfat "$W/dd" "$W/d.cidata.img"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/d.qcow2"
PORT=$(free_port)
sleep 0.3
boot d "$W/d.qcow2" "openecs.md_url=http://10.0.2.2:$HTTP_PORT/latest" \
  -drive file="$W/d.cidata.img",if=virtio,format=raw,readonly=on \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22
if wait_boot "D HTTP metadata"; then
  check "D: boot line" line_is "$MARKER instance-id=i-testd0001 hostname=tiny-d"
  check "D: source is HTTP although a drive is attached" has '^OPENECS metadata: source=http:.* password=set'
  check "D: user-data over HTTP ran" has '^user-data: HTTP-USERDATA'
  out=$(ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 'hostname; grep ^root: /etc/shadow' 2>/dev/null)
  check "D: ssh with the key from public-keys/0/openssh-key" [ "$(echo "$out" | sed -n 1p)" = tiny-d ]
  hash=$(echo "$out" | sed -n 2p | cut -d: -f2)
  salt=$(echo "$hash" | cut -d'$' -f3)
  check "D: root password from the drive" same "$hash" "$(crypt_sha512 'Drive-pw1' "$salt")"
fi
powerdown "D HTTP metadata"

# ---------------------------------------------------------------------------------------------
echo "# E: no metadata at all"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/e.qcow2"
boot e "$W/e.qcow2" "" -nic none
if wait_boot "E no metadata"; then
  check "E: boot line with defaults" line_is "$MARKER instance-id=i-unknown hostname=openecs"
  check "E: metadata source none" has '^OPENECS metadata: source=none'
fi
powerdown "E no metadata"

# ---------------------------------------------------------------------------------------------
echo "# H: qemu-guest-agent on virtio-serial (as OpenECS gives every guest), screendump, NMI"
qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/h.qcow2"
QGA=$W/h.qga.sock
boot h "$W/h.qcow2" "" -nic none -device virtio-serial-pci,id=vser0,bus=pcie.0 \
  -chardev socket,id=qga0,path="$QGA",server=on,wait=off \
  -device virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0 \
  -device VGA,id=vga0,bus=pcie.0
if wait_boot "H guest agent"; then
  # Resync (0xFF + guest-sync-delimited), guest-ping, guest-exec with captured output, the
  # screen as PNG over QMP, an NMI; prints what it measured.
  if out=$(python3 - "$QGA" "$QMP" "$W/h.png" <<'EOF'
import base64, json, random, socket, sys, time
def line(s, buf):
    while b"\n" not in buf[0]:
        d = s.recv(65536)
        if not d: sys.exit("EOF")
        buf[0] += d
    l, _, buf[0] = buf[0].partition(b"\n")
    return json.loads(l)
def call(s, buf, cmd, args=None):
    req = {"execute": cmd}
    if args is not None: req["arguments"] = args
    s.sendall(json.dumps(req).encode() + b"\n")
    while True:
        r = line(s, buf)
        if "error" in r: sys.exit("%s: %s" % (cmd, r["error"]))
        if "return" in r: return r["return"]
q = socket.socket(socket.AF_UNIX); q.settimeout(10); q.connect(sys.argv[1]); qb = [b""]
deadline = time.time() + 30  # the agent starts after boot-complete (inittab respawn)
n = random.randint(1, 1 << 30)
while True:
    try:
        q.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": n}}).encode() + b"\n")
        q.settimeout(1)
        while b"\xff" not in qb[0]: qb[0] += q.recv(65536)
        qb[0] = qb[0][qb[0].index(b"\xff") + 1:]
        if line(q, qb).get("return") == n: break
    except socket.timeout:
        if time.time() > deadline: sys.exit("no answer from qemu-ga")
q.settimeout(10)
t = time.time(); call(q, qb, "guest-ping"); ping_ms = (time.time() - t) * 1000
t = time.time()
pid = call(q, qb, "guest-exec", {"path": "/bin/sh", "arg": ["-c", "echo hello; exit 3"], "capture-output": True})["pid"]
while True:
    st = call(q, qb, "guest-exec-status", {"pid": pid})
    if st["exited"]: break
    time.sleep(0.02)
exec_ms = (time.time() - t) * 1000
m = socket.socket(socket.AF_UNIX); m.settimeout(10); m.connect(sys.argv[2]); mb = [b""]
line(m, mb)
call(m, mb, "qmp_capabilities")
t = time.time(); call(m, mb, "screendump", {"filename": sys.argv[3], "format": "png"}); shot_ms = (time.time() - t) * 1000
png = open(sys.argv[3], "rb").read()
call(m, mb, "inject-nmi")
print("ping=%.0fms exec=%.0fms screendump=%.0fms png=%dB" % (ping_ms, exec_ms, shot_ms, len(png)))
print(base64.b64decode(st.get("out-data", "")).decode().strip(), st.get("exitcode"), png[:4] == b"\x89PNG")
EOF
  ); then
    echo "    $(echo "$out" | sed -n 1p)"
    check "H: guest-exec runs echo hello, exit 3" [ "$(echo "$out" | sed -n 2p | cut -d' ' -f1,2)" = "hello 3" ]
    check "H: screendump is a PNG" [ "$(echo "$out" | sed -n 2p | cut -d' ' -f3)" = True ]
    check "H: the NMI reaches the guest" wait_for 'NMI received' 10
  else
    bad "H: talking to qemu-ga: $out"
  fi
fi
powerdown "H guest agent"

# ---------------------------------------------------------------------------------------------
if [ -n "$KERNEL_PVH" ]; then
  echo "# F: uncompressed kernel $KERNEL_PVH (PVH boot)"
  qemu-img create -q -f qcow2 -b "$OUT/$DISK" -F qcow2 "$W/f.qcow2"
  BOOT_KERNEL=$KERNEL_PVH boot f "$W/f.qcow2" "" -drive file="$W/c.cidata.iso",if=virtio,format=raw,readonly=on \
    -nic user,model=virtio-net-pci
  if wait_boot "F PVH kernel"; then
    check "F: boot line" line_is "$MARKER instance-id=i-testc0001 hostname=tiny-c"
  fi
  powerdown "F PVH kernel"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
