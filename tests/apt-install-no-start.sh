#!/usr/bin/env bash
# apt-get install PACKAGES without starting their services: docker.io's init script would start a
# dockerd (and the end-to-end tests start their own, on a private socket). Without systemd,
# invoke-rc.d asks /usr/sbin/policy-rc.d, and 101 means "action forbidden"; an existing policy is
# left as it is.
set -euo pipefail
policy=/usr/sbin/policy-rc.d
made=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Written by tests/apt-install-no-start.sh while it installs packages.\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    made=1
fi
trap '[ -z "$made" ] || rm -f "$policy"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null
