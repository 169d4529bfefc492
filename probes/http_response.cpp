// libhttp_parser callbacks for HttpResponseCheck. A bad status fails at the
// end of the headers: no need to read a body that cannot change the verdict.
#include "http_response.hpp"

#include <algorithm>

#include "probe_errors.hpp"

namespace azdns {

const http_parser_settings HttpResponseCheck::settings = [] {
    http_parser_settings s{};
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
}();

HttpResponseCheck::HttpResponseCheck(std::span<const unsigned> expect_status,
                                     std::string_view expect_body)
    : expect_status_(expect_status), expect_body_(expect_body) {
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
}

std::optional<ProbeResult> HttpResponseCheck::feed(const char* data, std::size_t size) {
    if (verdict_) return verdict_;
    read_ += size;
    std::size_t parsed = http_parser_execute(&parser_, &settings, data, size);
    if (verdict_) return verdict_;
    if (parser_.http_errno != HPE_OK || parsed != size)
        verdict_ = ProbeResult{false, std::string(probe_error::bad_response), {}};
    else if (read_ > max_read)
        verdict_ = ProbeResult{false, std::string(probe_error::response_too_large), {}};
    return verdict_;
}

ProbeResult HttpResponseCheck::end_of_input() {
    if (verdict_) return *verdict_;
    http_parser_execute(&parser_, &settings, nullptr, 0);  // completes an EOF-delimited body
    if (verdict_) return *verdict_;
    return ProbeResult{false, std::string(read_ == 0 ? probe_error::closed_early : probe_error::bad_response), {}};
}

int HttpResponseCheck::on_headers_complete(http_parser* parser) {
    auto* self = static_cast<HttpResponseCheck*>(parser->data);
    unsigned status = parser->status_code;
    if (std::find(self->expect_status_.begin(), self->expect_status_.end(), status) ==
        self->expect_status_.end()) {
        self->verdict_ = ProbeResult{false, probe_error::http_status(status), {}};
        return -1;  // stops the parser: the verdict is in
    }
    return 0;
}

int HttpResponseCheck::on_body(http_parser* parser, const char* at, std::size_t length) {
    auto* self = static_cast<HttpResponseCheck*>(parser->data);
    if (self->expect_body_.empty()) return 0;
    std::size_t room = max_kept_body - std::min(max_kept_body, self->body_.size());
    self->body_.append(at, std::min(room, length));
    return 0;
}

int HttpResponseCheck::on_message_complete(http_parser* parser) {
    auto* self = static_cast<HttpResponseCheck*>(parser->data);
    if (!self->expect_body_.empty() && self->body_.find(self->expect_body_) == std::string::npos)
        self->verdict_ = ProbeResult{false, probe_error::body_lacks(self->expect_body_), {}};
    else
        self->verdict_ = ProbeResult{true, {}, {}};
    return -1;  // one response is all a probe reads
}

std::string http_probe_request(const std::string& path, const std::string& host) {
    std::string request;
    request.reserve(96 + path.size() + host.size());
    request.append("GET ").append(path.empty() ? "/" : path).append(" HTTP/1.1\r\nHost: ");
    request.append(host).append("\r\nConnection: close\r\nUser-Agent: azdns-probe\r\n\r\n");
    return request;
}

}  // namespace azdns
