#include "unbound_resolver.hpp"

#include <chrono>

namespace azdns::e2e {

using namespace std::chrono_literals;

Unbound::Unbound(std::uint16_t azdns_port, bool client_subnet) : port_(free_port()) {
    const std::string subnet_lines =
        client_subnet ? "  module-config: \"subnetcache iterator\"\n"
                        "  send-client-subnet: 127.0.0.1\n  max-client-subnet-ipv4: 24\n"
                      : "  module-config: \"iterator\"\n";
    write_text(dir_.path / "unbound.conf",
               "server:\n"
               "  interface: 127.0.0.1\n"
               "  port: " + std::to_string(port_) + "\n"
               "  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n"
               "  directory: \"" + dir_.path.string() + "\"\n  pidfile: \"\"\n"
               "  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n"
               "  do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n" + subnet_lines +
               "  qname-minimisation: no\n  prefetch: no\n"
               "  do-ip6: no\n"
               "  local-zone: \"test.\" nodefault\n"  // test. is special-use (RFC 6761): unbound answers it itself by default
               "stub-zone:\n  name: \"health.test.\"\n  stub-addr: 127.0.0.1@" + std::to_string(azdns_port) + "\n"
               "remote-control:\n  control-enable: no\n");
    started_ = process_.spawn({unbound_binary, "-d", "-c", (dir_.path / "unbound.conf").string()},
                              dir_.path / "unbound.log");
}

bool Unbound::ready() { return started_ && wait_until_answering(endpoint(), "health.test.", 10s, process_); }

std::string Unbound::log() const { return "--- unbound log ---\n" + read_text(dir_.path / "unbound.log"); }

}  // namespace azdns::e2e
