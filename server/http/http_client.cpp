#include "http_client.hpp"

#include "ascii.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace azdns {

namespace {

std::string seconds_text(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + "s";
    return std::to_string(timeout.count()) + "ms";
}

// curl_global_init is not thread-safe: done once, before the first handle.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

// The request's header lines, freed with the transfer.
class HeaderList {
public:
    HeaderList() = default;
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    ~HeaderList() { curl_slist_free_all(list_); }
    void add(const std::string& line) {
        if (curl_slist* grown = curl_slist_append(list_, line.c_str())) list_ = grown;
    }
    [[nodiscard]] curl_slist* get() const { return list_; }

private:
    curl_slist* list_ = nullptr;
};

struct Transfer {
    HttpResponse* response = nullptr;
    std::size_t limit = max_http_response_bytes;
    bool too_large = false;

    static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
        auto* self = static_cast<Transfer*>(user);
        std::size_t n = size * count;
        if (self->response->body.size() + n > self->limit) {
            self->too_large = true;
            return 0;  // curl stops with CURLE_WRITE_ERROR
        }
        self->response->body.append(data, n);
        return n;
    }

    // One header line at a time, status lines included: a new status line
    // (after a 1xx answer) starts the headers afresh.
    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
        auto* self = static_cast<Transfer*>(user);
        std::size_t n = size * count;
        std::string_view line(data, n);
        while (line.ends_with('\n') || line.ends_with('\r')) line.remove_suffix(1);
        auto& headers = self->response->headers;
        if (line.starts_with("HTTP/")) {
            headers.clear();
        } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
            std::string_view value = line.substr(colon + 1);
            while (value.starts_with(' ') || value.starts_with('\t')) value.remove_prefix(1);
            headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
        }
        return n;
    }
};

// The stall bound in whole seconds, as CURLOPT_LOW_SPEED_TIME counts it.
long stall_seconds(std::chrono::milliseconds timeout) {
    return std::max<long>(1, static_cast<long>((timeout.count() + 999) / 1000));
}

// A plain description of why a transfer failed.
std::string describe_failure(CURL* handle, CURLcode code, const char* detail, const HttpUrl& url,
                             const HttpClientOptions& options, const Transfer& transfer) {
    std::string why = *detail != '\0' ? detail : curl_easy_strerror(code);
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve \"" + url.host + "\": " + why;
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
        return "cannot connect: " + (os_errno != 0 ? std::string(std::strerror(static_cast<int>(os_errno))) : why);
    }
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0, handshaken = 0;
        curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connected);
        curl_easy_getinfo(handle, CURLINFO_APPCONNECT_TIME_T, &handshaken);
        if (options.deadline.count() > 0 && connected != 0)
            return "no complete response within " + seconds_text(options.deadline);
        if (connected == 0) return "timed out after " + seconds_text(options.timeout) + " connecting";
        if (url.https && handshaken == 0) return "timed out after " + seconds_text(options.timeout) + " in the TLS handshake";
        return "timed out after " + std::to_string(stall_seconds(options.timeout)) + "s waiting for the response";
    }
    case CURLE_PEER_FAILED_VERIFICATION:
        return "TLS: the server's certificate is not trusted: " + why;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return "TLS: the server's public key is not the pinned one: " + why;
    case CURLE_SSL_CACERT_BADFILE:
        return "TLS: cannot use the CA file " + options.ca_file + ": " + why;
    case CURLE_SSL_CONNECT_ERROR:
        return "TLS handshake failed: " + why;
    case CURLE_WRITE_ERROR:
        if (transfer.too_large)
            return transfer.limit % (1024 * 1024) == 0
                       ? "the response is larger than " + std::to_string(transfer.limit / (1024 * 1024)) + " MiB"
                       : "the response is larger than " + std::to_string(transfer.limit) + " bytes";
        return why;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return "the server closed the connection before a complete response";
    case CURLE_WEIRD_SERVER_REPLY:
        return "malformed HTTP response: " + why;
    case CURLE_SEND_ERROR:
        return "cannot send the request: " + why;
    case CURLE_RECV_ERROR:
        return "cannot read the response: " + why;
    default:
        return why;
    }
}

}  // namespace

std::string HttpUrl::authority() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpUrl::text() const { return (https ? "https://" : "http://") + authority() + path; }

std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error) {
    const std::string given(url);
    bool https = false;
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        std::string_view name = url.substr(0, scheme);
        https = ascii_iequals(name, "https");
        if (!https && !ascii_iequals(name, "http")) {
            error = "\"" + given + "\": only http:// and https:// URLs are supported";
            return std::nullopt;
        }
        url.remove_prefix(scheme + 3);
    }
    auto end = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : url.substr(end);
    HttpUrl result;
    result.https = https;
    result.port = https ? 443 : 80;
    std::string_view port_text;
    if (authority.find('@') != std::string_view::npos) {
        error = "\"" + given + "\": user information in the URL is not supported";
        return std::nullopt;
    }
    if (authority.starts_with("[")) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "\"" + given + "\": missing ']' after the IPv6 address";
            return std::nullopt;
        }
        result.host = std::string(authority.substr(1, close - 1));
        in6_addr ignored{};
        if (inet_pton(AF_INET6, result.host.c_str(), &ignored) != 1) {
            error = "\"" + given + "\": \"" + result.host + "\" is not an IPv6 address";
            return std::nullopt;
        }
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "\"" + given + "\": expected ':PORT' after ']'";
                return std::nullopt;
            }
            port_text = after.substr(1);
            if (port_text.empty()) port_text = "x";
        }
    } else {
        auto colon = authority.find(':');
        if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
            error = "\"" + given + "\": put an IPv6 address in brackets, as in http://[::1]:8053";
            return std::nullopt;
        }
        result.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) port_text = "x";
        }
    }
    if (result.host.empty()) {
        error = "\"" + given + "\": no host";
        return std::nullopt;
    }
    if (!port_text.empty()) {
        unsigned long port = 0;
        bool digits = port_text.size() <= 5 && std::all_of(port_text.begin(), port_text.end(),
                                                            [](char c) { return c >= '0' && c <= '9'; });
        if (digits) port = std::stoul(std::string(port_text));
        if (!digits || port == 0 || port > 65535) {
            error = "\"" + given + "\": invalid port \"" + std::string(port_text) + "\"";
            return std::nullopt;
        }
        result.port = static_cast<std::uint16_t>(port);
    }
    rest = rest.substr(0, rest.find_first_of("?#"));
    while (rest.ends_with("/")) rest.remove_suffix(1);
    result.path = std::string(rest);
    return result;
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii_iequals(key, name)) return value;
    return {};
}

bool http_exchange(const HttpUrl& url, const HttpRequest& request, HttpResponse& response, std::string& error,
                   const HttpClientOptions& options) {
    response = HttpResponse{};
    init_curl_once();
    std::unique_ptr<CURL, CurlDeleter> owned(curl_easy_init());
    if (!owned) {
        error = "cannot start the HTTP client";
        return false;
    }
    CURL* handle = owned.get();
    const std::string address = url.text() + request.target;
    curl_easy_setopt(handle, CURLOPT_URL, address.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);  // the target as given: no "/../" folding
    curl_easy_setopt(handle, CURLOPT_PROXY, "");       // no http_proxy from the environment
    curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(handle, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);

    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
    // A stall: less than one byte a second for the whole bound.
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, stall_seconds(options.timeout));
    if (options.deadline.count() > 0) curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options.deadline.count()));

    if (url.https) {
        if (!options.pinned_public_key.empty()) {
            // The key itself is the trust anchor: who signed it and which
            // names it carries do not matter.
            curl_easy_setopt(handle, CURLOPT_PINNEDPUBLICKEY, options.pinned_public_key.c_str());
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
        } else {
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
            if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
        }
    }

    HeaderList headers;
    auto add_header = [&headers](const std::string& line) { headers.add(line); };
    add_header("User-Agent: azdns-ctl");
    add_header("Accept: application/json");
    add_header("Connection: close");
    add_header("Expect:");  // no "100-continue" round trip before a body
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
        has_content_type = has_content_type || ascii_iequals(name, "Content-Type");
        add_header(name + ": " + value);
    }
    const bool with_body = !request.body.empty() || request.method == "POST" || request.method == "PUT";
    if (with_body) {
        // curl would otherwise label any body as a form.
        if (!has_content_type) add_header("Content-Type:");
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    if (request.method == "HEAD") curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    else if (request.method != (with_body ? "POST" : "GET")) curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

    Transfer transfer;
    transfer.response = &response;
    transfer.limit = options.max_response_bytes;
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    char detail[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);

    if (CURLcode code = curl_easy_perform(handle); code != CURLE_OK) {
        error = describe_failure(handle, code, detail, url, options, transfer);
        return false;
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return true;
}

}  // namespace azdns
