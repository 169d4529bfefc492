#include "control_client.hpp"

#include <doctest/doctest.h>

namespace azdns::e2e {

azdns::HttpResponse try_control_request(const AzdnsServer& server, const std::string& method, const std::string& target,
                                        const std::string& body) {
    azdns::HttpUrl url{"127.0.0.1", server.control_port(), "", false};
    azdns::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    azdns::HttpResponse response;
    std::string error;
    if (!azdns::http_exchange(url, request, response, error)) return {0, {}, error};
    return response;
}

azdns::HttpResponse control_request(const AzdnsServer& server, const std::string& method, const std::string& target,
                                    const std::string& body) {
    azdns::HttpResponse response = try_control_request(server, method, target, body);
    REQUIRE_MESSAGE(response.status != 0, method, " ", target, ": ", response.body, "\n", server.log());
    return response;
}

}  // namespace azdns::e2e
