#!/usr/bin/env python3
"""A tiny Alibaba-like metadata service for tests/system/stock-image/check.

    md.py --listen 100.100.100.200:80 --hostname NAME --key-file KEY.pub --mac MAC --ip IP
          --gateway GW [--no-network] [--user-data FILE]

Serves /2016-01-01/meta-data/ (and /latest/) as cloud-init's AliYun datasource (22.4) crawls
it: a directory answers with its listing (sub-directories end in "/"), a leaf with its text.
user-data answers 404 unless --user-data is given. Every request is logged on stdout as
"EPOCH STATUS PATH".
"""
import argparse
import http.server
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--listen", default="100.100.100.200:80")
p.add_argument("--hostname", required=True)
p.add_argument("--instance-id", default="i-test")
p.add_argument("--key-file", required=True)
p.add_argument("--mac", required=True)
p.add_argument("--ip", required=True)
p.add_argument("--gateway", required=True)
p.add_argument("--no-network", action="store_true", help="leave network/ out of the listing")
p.add_argument("--user-data")
a = p.parse_args()

key = open(a.key_file).read().strip()
tree = {
    "instance-id": a.instance_id,
    "hostname": a.hostname,
    "image-id": "debian_12_cloud_aliyun",
    "region-id": "cn-test",
    "zone-id": "cn-test-a",
    "serial-number": "00000000-0000-4000-8000-000000000001",
    "owner-account-id": "1000000000000000",
    "mac": a.mac,
    "private-ipv4": a.ip,
    "network-type": "vpc",
    "vpc-id": "vpc-test",
    "vswitch-id": "vsw-test",
    "vpc-cidr-block": "192.168.0.0/16",
    "vswitch-cidr-block": a.ip.rsplit(".", 1)[0] + ".0/24",
    "source-address": "http://deb.debian.org",
    "dns-conf": {"nameservers": "100.100.2.136\n100.100.2.138"},
    "ntp-conf": {"ntp-servers": "ntp.cloud.aliyuncs.com"},
    "public-keys": {"0": {"openssh-key": key}},
}
if not a.no_network:
    tree["network"] = {"interfaces": {"macs": {a.mac: {
        "network-interface-id": "eni-test",
        "netmask": "255.255.255.0",
        "gateway": a.gateway,
        "primary-ip-address": a.ip,
        "private-ipv4s": '["%s"]' % a.ip,
        "vpc-id": "vpc-test",
        "vswitch-id": "vsw-test",
        "vpc-cidr-block": "192.168.0.0/16",
        "vswitch-cidr-block": a.ip.rsplit(".", 1)[0] + ".0/24",
    }}}}
user_data = open(a.user_data, "rb").read() if a.user_data else None


def lookup(path):
    """Body for path, or None."""
    for prefix in ("/2016-01-01/", "/latest/"):
        if path.startswith(prefix):
            rest = path[len(prefix):]
            break
    else:
        return None
    if rest in ("", "/"):
        return b"meta-data/\nuser-data\n" if user_data is not None else b"meta-data/\n"
    if rest == "user-data":
        return user_data
    if rest.rstrip("/") != "meta-data" and not rest.startswith("meta-data/"):
        return None
    node = tree
    for part in [x for x in rest.split("/")[1:] if x]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict):
        return "".join(k + "/\n" if isinstance(v, dict) else k + "\n"
                       for k, v in node.items()).encode()
    return node.encode()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = lookup(self.path.split("?")[0])
        code = 200 if body is not None else 404
        body = body if body is not None else b"Not Found\n"
        print("%.3f %d %s" % (time.time(), code, self.path), flush=True)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


host, port = a.listen.rsplit(":", 1)
srv = http.server.ThreadingHTTPServer((host, int(port)), H)
print("%.3f listening %s" % (time.time(), a.listen), flush=True)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
