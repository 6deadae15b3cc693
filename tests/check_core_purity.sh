#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The core (everything but io/, app/ and main.cpp) must include no OS, socket or
# libpcap header: that is what keeps it unit-testable without root (doc/architecture.md).
root=${1:-.}
cd "$root" || exit 2
leaks=$(grep -rnE '#include <(pcap|sys/|linux/|net/|netinet/|arpa/|netpacket/|unistd|poll|signal|fcntl|getopt|syslog|pwd|grp|ifaddrs)' \
        include src 2>/dev/null | grep -vE '^(include/ecmh|src)/(io|app)/|^src/main\.cpp')
if [ -n "$leaks" ]; then
    echo "OS headers in the core:"
    echo "$leaks"
    exit 1
fi
echo "core is pure"
