#!/usr/bin/env sh
# Puts promtool at .tools/bin/promtool for `make rules-test` and the rule tests in `make test`.
#
# promtool comes from Debian's `prometheus` package. We unpack the .deb (dpkg-deb) instead of
# `apt-get install`ing it: installing would also start a Prometheus server through invoke-rc.d
# on machines without systemd (containers, CI), and unpacking needs no root once apt's package
# lists are current. apt checks the download against its signed package lists either way.
#
# Usage: install-promtool.sh [--require]
#   Without --require, a machine with no promtool and no apt (macOS, other distributions) gets a
#   message and exit 0: the rule tests then skip (they fail instead when CI is set).
#   With --require (make rules-test), that is an error.
set -eu

dest=.tools/bin/promtool
require=${1:-}

unavailable() {
    echo "promtool: $1. Install Prometheus's promtool yourself (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus) to run the alert-rule tests." >&2
    if [ "$require" = "--require" ]; then exit 1; fi
    echo "promtool: the alert-rule tests will be skipped." >&2
    exit 0
}

if [ -x "$dest" ] || command -v promtool >/dev/null 2>&1; then
    exit 0
fi
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || unavailable "not found, and this machine has no apt-get"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() {
    # APT::Sandbox::User=root: as root, apt would otherwise warn that _apt cannot write to $tmp.
    (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download prometheus)
}
if ! download 2>/dev/null; then
    # A fresh machine has no package lists yet; only root can fetch them.
    [ "$(id -u)" = 0 ] || unavailable "apt-get could not download the prometheus package (run 'sudo apt-get update' once)"
    apt-get -qq update && download || unavailable "apt-get could not download the prometheus package"
fi
dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
mkdir -p "$(dirname "$dest")"
mv "$tmp/usr/bin/promtool" "$dest"
"$dest" --version 2>&1 | head -n 1
