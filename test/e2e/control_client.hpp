// One request to the control API of an e2e server, with the server's own
// HTTP client (server/http/http_client.hpp): a fresh connection each time,
// as a load balancer's health check or a script's curl makes it.
#pragma once

#include <string>

#include "http_client.hpp"
#include "server_process.hpp"

namespace azdns::e2e {

// `method target` with `body` on 127.0.0.1:CONTROL. Fails the current test
// (with the server's log) when the server cannot be reached in time.
azdns::HttpResponse control_request(const AzdnsServer& server, const std::string& method, const std::string& target,
                                    const std::string& body = {});

// The same, but a failure to connect or to read the response is returned as
// status 0 with the reason in `body`, for callers that count failures.
azdns::HttpResponse try_control_request(const AzdnsServer& server, const std::string& method, const std::string& target,
                                        const std::string& body = {});

}  // namespace azdns::e2e
