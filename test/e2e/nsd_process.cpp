#include "nsd_process.hpp"

#include <sstream>

namespace azdns::e2e {

NsdServer::NsdServer(const std::vector<std::pair<std::string, std::string>>& zones,
                     std::chrono::milliseconds ready_wait) {
    port_ = free_port();
    const std::string dir = dir_.path.string();
    std::ostringstream conf;
    conf << "# written by test/e2e/nsd_process.cpp\nserver:\n"
         << "    ip-address: 127.0.0.1@" << port_ << "\n"
         << "    ip-address: ::1@" << port_ << "\n"
         << "    port: " << port_ << "\n"
         << "    username: \"\"\n    chroot: \"\"\n"
         << "    zonesdir: \"" << dir << "\"\n"
         << "    pidfile: \"" << dir << "/nsd.pid\"\n"
         << "    database: \"\"\n"
         << "    xfrdfile: \"" << dir << "/xfrd.state\"\n"
         << "    zonelistfile: \"" << dir << "/zone.list\"\n"
         << "    xfrdir: \"" << dir << "\"\n"
         << "    verbosity: 1\n    server-count: 1\n"
         // The same identity and NSID as the azdns configs (server_process.cpp); no version, like azdns's default.
         << "    hide-version: yes\n    hide-identity: no\n    identity: \"e2e-ns1\"\n"
         << "    nsid: \"ascii_e2e-ns1\"\n"
         << "remote-control:\n    control-enable: no\n";
    for (const auto& [origin, file] : zones) {
        fs::copy_file(e2e_data_dir() / file, dir_.path / file, fs::copy_options::overwrite_existing);
        conf << "zone:\n    name: \"" << origin << "\"\n    zonefile: \"" << file << "\"\n";
    }
    write_text(dir_.path / "nsd.conf", conf.str());
    if (!process_.spawn({nsd_binary, "-d", "-c", (dir_.path / "nsd.conf").string()}, dir_.path / "nsd.log")) return;
    ready_ = wait_until_answering(v4(), zones.empty() ? "." : zones.front().first, ready_wait, process_);
}

std::string NsdServer::log() const {
    return "--- nsd log ---\n" + read_text(dir_.path / "nsd.log") + "--- nsd.conf ---\n" +
           read_text(dir_.path / "nsd.conf");
}

}  // namespace azdns::e2e
