// The servers bench_probes probes: M loopback listeners served by a child
// process (its own descriptor table, so accepted connections do not eat the
// probes' limit), answering as a tcp, http or https check expects.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace azdns::bench {

enum class Serving {
    tcp,             // accept, close at once
    http,            // read the request head, answer 200 "ok", close
    https,           // the same over TLS; sessions resume (tickets, session IDs)
    https_no_resume  // the same, declining resumption: every handshake is full
};

struct TlsFiles {
    std::string cert_file;  // PEM chain
    std::string key_file;
};

class Listeners {
public:
    // Exits the process when a listener cannot be opened. `tls` only for https.
    Listeners(std::size_t count, Serving serving, const TlsFiles& tls = {});
    ~Listeners();  // kills the child
    Listeners(const Listeners&) = delete;
    Listeners& operator=(const Listeners&) = delete;

    std::vector<std::uint16_t> ports;

private:
    [[noreturn]] void run(const TlsFiles& tls);

    Serving serving_;
    int epoll_ = -1;
    std::vector<int> listening_;
    pid_t child_ = -1;
};

}  // namespace azdns::bench
