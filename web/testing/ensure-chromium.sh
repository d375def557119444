#!/bin/sh
# Installs Debian's chromium for the web apps' browser tests when it is missing (needs root and
# the Debian package mirror). playwright-core drives it; no browser is downloaded from elsewhere.
set -eu
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "chromium present: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo "${CHROMIUM_PATH:-/usr/bin/chromium}")"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing; run as root: apt-get install -y chromium" >&2
  exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
