# shellcheck shell=sh
# OpenECS guest metadata: finds the instance metadata and parses it. Sourced by /etc/init.d/rcS.
#
# Sources (kernel command line `openecs.ds=auto|fwcfg|nocloud|http|none`; default auto = HTTP
# first when `openecs.md_url=` is given (OpenECS gives it to guests on a VPC, where the metadata
# service answers), then fw_cfg, then NoCloud; without md_url no HTTP, so a guest never sends
# metadata requests to an address nobody configured):
#  0. fw_cfg: QEMU's firmware configuration device (module qemu_fw_cfg) holding the NoCloud files
#     below as opt/org.openecs/meta-data, .../user-data, .../vendor-data. OpenECS gives every
#     guest its metadata this way: no config disk, so the first data disk stays /dev/vdb.
#  1. NoCloud config drive: a disk whose filesystem (vfat or iso9660) has the label `cidata`
#     (or `CIDATA`); if no label matches, every /dev/vd*, /dev/sr* that mounts as vfat or
#     iso9660 and holds a `meta-data` file. Files read from its root directory:
#       meta-data    (required) YAML-ish, one `key: value` per line:
#                      instance-id: i-abc123           (required; once-per-instance actions key on it)
#                      local-hostname: web-1           (or `hostname:`)
#                      password: secret                (optional; plain text or a crypt hash `$6$...`)
#                      public-keys:                    (optional; also `ssh_authorized_keys:`)
#                        - ssh-ed25519 AAAA... comment
#       user-data    (optional) either
#                      a shell script: first line `#!...` (e.g. `#!/bin/sh`), run ONCE per instance-id;
#                    or `#cloud-config` followed by `key: value` lines; understood keys:
#                      hostname: web-1
#                      password: secret                (root's password; plain or `$6$...` hash)
#                      ssh_authorized_keys:            (list, one `- key` per line; for root)
#                        - ssh-ed25519 AAAA... comment
#                      runcmd:                         (list of shell command strings, run once per
#                        - echo hello                   instance-id like a user-data script)
#                    Other keys are ignored; values may be quoted with ' or ".
#       vendor-data  (optional) same two forms as user-data; its script runs before user-data's,
#                    its keys have lower priority than user-data's.
#  2. HTTP (Alibaba ECS style), used when no config drive is found, eth0 has a default route
#     and openecs.md_url=URL is set (or openecs.ds=http, URL defaulting to
#     http://100.100.100.200/latest). Requests, 2 s timeout each: URL/meta-data/instance-id,
#     URL/meta-data/hostname, URL/meta-data/public-keys/ (a listing of N or N/ lines, then
#     URL/meta-data/public-keys/N/openssh-key), URL/user-data, URL/vendor-data (404 = absent).
#     The service never serves the root password: when HTTP answered and a config drive is
#     also attached, its meta-data `password:` is used (MD_SOURCE stays http:URL).
# Both sources are written into $MD_SEED as NoCloud files and parsed the same way.
#
# Priority: hostname = user-data hostname > meta-data local-hostname > meta-data hostname;
# password = user-data > vendor-data > meta-data; SSH keys = union of all of them.
#
# After md_load: MD_SOURCE (none|fwcfg|nocloud:/dev/vdX|http:URL), MD_INSTANCE_ID, MD_HOSTNAME,
# MD_PASSWORD, MD_NKEYS and $MD_KEYS (file, one key per line), $MD_RUNCMD (file, one command
# per line), $MD_SEED/user-data and $MD_SEED/vendor-data (maybe absent),
# MD_USERDATA_KIND / MD_VENDORDATA_KIND (none|script|cloud-config|unknown).
# Written with few processes: every fork+exec costs tens of milliseconds under TCG.

MD_RUN=/run/openecs
MD_SEED=$MD_RUN/seed
MD_KEYS=$MD_RUN/ssh_keys
MD_RUNCMD=$MD_RUN/runcmd
read -r MD_CMDLINE </proc/cmdline

md_log() { echo "OPENECS metadata: $*" >/dev/console; }

# md_opt KEY DEFAULT: sets REPLY to the value of KEY=... on the kernel command line.
md_opt() {
  REPLY=$2
  for a in $MD_CMDLINE; do
    case "$a" in "$1="*) REPLY=${a#*=} ;; esac
  done
}

# md_parse: parses $MD_SEED/{meta-data,user-data,vendor-data} in one awk process and prints
# shell assignments for eval; writes $MD_KEYS and $MD_RUNCMD. YAML-ish: top-level
# `key: value` lines and `- item` list entries under a top-level key; nested maps, flow lists
# and block scalars are skipped; the first occurrence of a key in a file wins.
md_parse() {
  awk -v seed="$MD_SEED" -v keys="$MD_KEYS" -v runcmd="$MD_RUNCMD" '
    function unq(s) {
      sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
      if (s ~ /^".*"$/ || s ~ /^\047.*\047$/) s = substr(s, 2, length(s) - 2)
      return s
    }
    function kind(f,   line) {
      if ((getline line < f) <= 0) return "none"
      close(f); sub(/\r$/, "", line)
      if (line ~ /^#cloud-config/) return "cloud-config"
      if (line ~ /^#!/) return "script"
      return "unknown"
    }
    function parse(f, p,   line, k, v, cur) {
      cur = ""
      while ((getline line < f) > 0) {
        sub(/\r$/, "", line)
        if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*$/) continue
        if (line ~ /^[A-Za-z0-9_.-]+[ \t]*:/) {
          k = line; sub(/[ \t]*:.*/, "", k)
          v = line; sub(/^[^:]*:/, "", v); v = unq(v)
          cur = p k
          if (v != "" && v != "|" && v != ">" && !(cur in val)) val[cur] = v
        } else if (line ~ /^[ \t]*-[ \t]/ && cur != "") {
          v = line; sub(/^[ \t]*-[ \t]+/, "", v); v = unq(v)
          if (v != "" && v !~ /^\[/) list[cur, ++cnt[cur]] = v
        } else if (line !~ /^[ \t]/) {
          cur = ""
        }
      }
      close(f)
    }
    function pick(names,   a, i) {
      split(names, a, " ")
      for (i = 1; i in a; i++) if (a[i] in val) return val[a[i]]
      return ""
    }
    function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
    BEGIN {
      uk = kind(seed "/user-data"); vk = kind(seed "/vendor-data")
      parse(seed "/meta-data", "meta.")
      if (uk == "cloud-config") parse(seed "/user-data", "user.")
      if (vk == "cloud-config") parse(seed "/vendor-data", "vendor.")
      id = val["meta.instance-id"]; gsub(/[^A-Za-z0-9._-]/, "_", id)
      host = pick("user.hostname meta.local-hostname meta.hostname")
      gsub(/[^A-Za-z0-9.-]/, "-", host); host = substr(host, 1, 63)
      pw = pick("user.password vendor.password meta.password")
      printf "" > keys
      n = split("meta.public-keys meta.public_keys meta.ssh_authorized_keys vendor.ssh_authorized_keys user.ssh_authorized_keys", ks, " ")
      nk = 0
      for (i = 1; i <= n; i++)
        for (j = 1; j <= cnt[ks[i]]; j++) {
          k = list[ks[i], j]
          if (!(k in seen)) { seen[k] = 1; nk++; print k > keys }
        }
      close(keys)
      printf "" > runcmd
      for (j = 1; j <= cnt["user.runcmd"]; j++) print list["user.runcmd", j] > runcmd
      close(runcmd)
      print "MD_INSTANCE_ID=" q(id)
      print "MD_HOSTNAME=" q(host)
      print "MD_PASSWORD=" q(pw)
      print "MD_NKEYS=" nk
      print "MD_USERDATA_KIND=" uk
      print "MD_VENDORDATA_KIND=" vk
    }'
}

# NoCloud config drive: by label (findfs), else by probing the virtio disks and CD-ROMs.
md_try_nocloud() {
  mnt=$MD_RUN/cidata
  mkdir -p "$mnt"
  rootdev=
  while read -r d m _; do [ "$m" = / ] && rootdev=$d; done </proc/mounts
  dev=$(findfs LABEL=cidata 2>/dev/null) || dev=$(findfs LABEL=CIDATA 2>/dev/null) || dev=
  for d in $dev /dev/vd[a-z] /dev/sr[0-9]; do
    [ -b "$d" ] && [ "$d" != "$rootdev" ] || continue
    if [ "$d" = "$dev" ]; then
      mount -o ro "$d" "$mnt" 2>/dev/null || continue
    else
      mount -o ro -t vfat "$d" "$mnt" 2>/dev/null || mount -o ro -t iso9660 "$d" "$mnt" 2>/dev/null || continue
    fi
    if [ -f "$mnt/meta-data" ]; then
      set -- "$mnt/meta-data"
      for f in user-data vendor-data; do [ -f "$mnt/$f" ] && set -- "$@" "$mnt/$f"; done
      cp "$@" "$MD_SEED/"
      umount "$mnt"
      MD_SOURCE="nocloud:$d"
      return 0
    fi
    umount "$mnt"
    [ "$d" = "$dev" ] && md_log "$d is labelled cidata but has no meta-data"
  done
  return 1
}

# fw_cfg files (OpenECS): read from sysfs, no disk involved.
MD_FWCFG=/sys/firmware/qemu_fw_cfg/by_name/opt/org.openecs
md_try_fwcfg() {
  [ -r "$MD_FWCFG/meta-data/raw" ] || return 1
  for f in meta-data user-data vendor-data; do
    [ -r "$MD_FWCFG/$f/raw" ] && cat "$MD_FWCFG/$f/raw" >"$MD_SEED/$f"
  done
  MD_SOURCE=fwcfg
  return 0
}

# Debian's busybox-static 1.35 wget crashes (SIGSEGV) with -T: `timeout` bounds it instead.
md_wget() { timeout 2 wget -q -O "$2" "$1" 2>/dev/null; }
md_line() { line=; read -r line <"$1"; line=${line%"$CR"}; }

# HTTP metadata service (Alibaba ECS paths), written into $MD_SEED as NoCloud files.
md_try_http() {
  command -v md_net_hook >/dev/null && md_net_hook
  have_route=
  while read -r _ dst _ _ _ _ _ mask _; do
    [ "$dst" = 00000000 ] && [ "$mask" = 00000000 ] && have_route=1
  done </proc/net/route
  [ -n "$have_route" ] || return 1
  CR=$(printf '\r')
  md_opt openecs.md_url http://100.100.100.200/latest
  url=$REPLY
  t=$MD_RUN/http.tmp
  md_wget "$url/meta-data/instance-id" "$t" || return 1
  md_line "$t"
  [ -n "$line" ] || return 1
  {
    echo "instance-id: $line"
    md_wget "$url/meta-data/hostname" "$t" && md_line "$t" && echo "local-hostname: $line"
    if md_wget "$url/meta-data/public-keys/" "$t"; then
      echo "public-keys:"
      while read -r e || [ -n "$e" ]; do  # the last line may lack its newline (ECS, EC2)
        n=${e%%/*}; n=${n%%=*}; n=${n%"$CR"}
        [ -n "$n" ] || continue
        md_wget "$url/meta-data/public-keys/$n/openssh-key" "$t.k" && md_line "$t.k" && echo "  - $line"
      done <"$t"
    fi
  } >"$MD_SEED/meta-data"
  md_wget "$url/user-data" "$MD_SEED/user-data" || rm -f "$MD_SEED/user-data"
  md_wget "$url/vendor-data" "$MD_SEED/vendor-data" || rm -f "$MD_SEED/vendor-data"
  rm -f "$t" "$t.k"
  MD_SOURCE="http:$url"
  return 0
}

# After HTTP metadata: the password line of the fw_cfg or config drive meta-data or vendor-data
# (OpenECS puts RunInstances' Password in vendor-data), if any, kept as a meta-data line.
md_password_from_drive() {
  seed=$MD_SEED source=$MD_SOURCE
  MD_SEED=$MD_RUN/drive
  mkdir -p "$MD_SEED"
  if md_try_fwcfg || md_try_nocloud; then
    for f in "$MD_SEED/meta-data" "$MD_SEED/vendor-data"; do
      [ -f "$f" ] || continue
      while read -r l; do
        case "$l" in password:*) echo "$l" >>"$seed/meta-data" ;; esac
      done <"$f"
    done
  fi
  rm -rf "$MD_SEED"
  MD_SEED=$seed MD_SOURCE=$source
}

md_load() {
  rm -rf "$MD_SEED"
  mkdir -p "$MD_SEED"
  MD_SOURCE=none
  md_opt openecs.md_url ""
  have_url=$REPLY
  md_opt openecs.ds auto
  case "$REPLY" in
    fwcfg) md_try_fwcfg ;;
    nocloud) md_try_nocloud ;;
    http) md_try_http ;;
    none) ;;
    *)
      if [ -n "$have_url" ] && md_try_http; then
        md_password_from_drive
      else
        md_try_fwcfg || md_try_nocloud
      fi
      ;;
  esac
  eval "$(md_parse)"
  pw=unset; [ -n "$MD_PASSWORD" ] && pw=set
  md_log "source=$MD_SOURCE instance-id=${MD_INSTANCE_ID:-?} hostname=${MD_HOSTNAME:-?} keys=$MD_NKEYS password=$pw user-data=$MD_USERDATA_KIND"
}
