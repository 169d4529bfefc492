// azdns as a primary for the status and metrics suites: example.com. from
// test/data/e2e, transferable (filtered view) by 127.0.0.1 without a key,
// with NOTIFY to a UDP port the test holds; example.net. with no transfer
// at all, to show what a zone without rules reports.
#pragma once

#include <cstdint>
#include <string>

#include "server_process.hpp"

namespace azdns::e2e {

inline ServerOptions primary_options(std::uint16_t notify_port) {
    ServerOptions options;
    options.zones = {{"example.net.", "example.net.zone"}};
    options.extra_config = "[[zone]]\norigin = \"example.com.\"\nfile = \"" +
                           (e2e_data_dir() / "example.com.zone").string() + "\"\nnotify = [\"127.0.0.1:" +
                           std::to_string(notify_port) +
                           "\"]\n[[zone.allow_transfer]]\nprefixes = [\"127.0.0.1/32\"]\nview = \"filtered\"\n";
    return options;
}

}  // namespace azdns::e2e
