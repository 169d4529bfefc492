// libFuzzer target for the control API's requests: the input is the bytes
// a client sends on one connection, any number of pipelined HTTP/1.x
// requests. They are parsed with http_parser, as the server does, and each
// complete request goes to route() (control_routes.hpp: the paths, the
// query string of explain, the JSON body of a fence) over the real backend
// of `azdns serve` (LiveControlBackend: health monitor, serving publisher,
// zone reloader, answer engine) for the example in zones/, with no probe
// running and nothing on the network. Its response is written out by
// serialize_response(), as the server sends it. The connection's own
// handling (limits, token, keep-alive, deadlines: control_server.cpp) is
// not fuzzed here; test/server/control covers it. Each input starts with
// no manual fence. Aborts when a response:
//   - has a status other than 200, 400, 404, 405 or 409 (500 means the
//     backend threw);
//   - is not one well-formed HTTP/1.1 message (http_parser reads back
//     exactly its bytes, with its status and body);
//   - carries a header that holds CR, LF or NUL;
//   - is JSON that does not parse, an error without {"error": "..."}, or a
//     405 without Allow.
// Sanitizers (ASan, UBSan) catch the rest.
#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "answer_engine.hpp"
#include "config.hpp"
#include "config_zones.hpp"
#include "control_routes.hpp"
#include "fuzz_support.hpp"
#include "health_monitor.hpp"
#include "live_control_backend.hpp"
#include "log.hpp"
#include "serving_publisher.hpp"
#include "serving_snapshot.hpp"
#include "zone_reloader.hpp"

namespace {

using azdns::fuzz::fail;

// The server's limits (ControlLimits), and enough requests per input to
// fence, look and unfence; a reload re-reads the example's files each time.
constexpr std::size_t max_head_bytes = 16 * 1024;
constexpr std::size_t max_body_bytes = 64 * 1024;
constexpr std::size_t max_requests = 16;

// The example (zones/azdns.toml and its zone) in a sandbox, with its
// state_dir there too.
std::string prepare_example(const azdns::fuzz::Sandbox& sandbox) {
    sandbox.copy_in("zones/azdns.toml", "azdns.toml");
    sandbox.copy_in("zones/example.com.zone", "example.com.zone");
    sandbox.write("state/.keep", "");
    return sandbox.path("azdns.toml");
}

std::shared_ptr<const azdns::Config> load_example(const std::string& path) {
    azdns::Diagnostics diags;
    auto config = azdns::load_config(path, diags);
    if (!config) fail("cannot load " + path);
    return std::make_shared<const azdns::Config>(std::move(*config));
}

azdns::LoadedZones load_example_zones(const azdns::Config& config) {
    azdns::Diagnostics diags;
    auto zones = azdns::load_zones(config, diags);
    if (diags.has_errors()) fail("cannot load the example's zones");
    return zones;
}

struct Fixture {
    azdns::fuzz::Sandbox sandbox{"control"};
    std::string config_path = prepare_example(sandbox);
    std::shared_ptr<const azdns::Config> config = load_example(config_path);
    azdns::LoadedZones zones = load_example_zones(*config);
    azdns::AnswerEngine engine{azdns::AnswerOptions{}};
    azdns::ServingSnapshot snapshot{{zones.set, nullptr}};
    azdns::ServingPublisher publisher{config, snapshot};
    azdns::HealthMonitor health{publisher};
    azdns::ZoneReloader reloader{config_path, zones, health, publisher};
    azdns::LiveControlBackend backend{engine, health, publisher, reloader};

    Fixture() {
        // JSON lines, so that fuzzed fence reasons go through the escaping
        // (run.sh silences stderr for this target).
        azdns::set_log_format(azdns::LogFormat::json);
        health.restore(zones.set);
    }

    void lift_manual_fences() {
        for (const auto& az : health.snapshot().azs)
            if (az.manual) (void)health.unfence(az.name);
    }
};

Fixture& fixture() {
    static Fixture instance;
    return instance;
}

struct ParsedRequest {
    azdns::ControlRequest request;
    bool keep_alive = true;
    bool http10 = false;
};

// The requests of one connection's bytes, as the server's parser sees
// them; reading stops at the first error, a head or body over the limits,
// or max_requests.
class RequestReader {
public:
    std::vector<ParsedRequest> read(std::string_view bytes) {
        http_parser_init(&parser_, HTTP_REQUEST);
        parser_.data = this;
        (void)http_parser_execute(&parser_, &settings(), bytes.data(), bytes.size());
        return std::move(done_);
    }

private:
    static RequestReader& of(http_parser* parser) { return *static_cast<RequestReader*>(parser->data); }

    static const http_parser_settings& settings() {
        static const http_parser_settings instance = [] {
            http_parser_settings s{};
            s.on_message_begin = [](http_parser* p) {
                of(p).current_ = {};
                of(p).head_bytes_ = 0;
                return 0;
            };
            s.on_url = [](http_parser* p, const char* at, std::size_t length) {
                return of(p).add(of(p).current_.request.target, at, length, of(p).head_bytes_, max_head_bytes);
            };
            s.on_header_field = [](http_parser* p, const char*, std::size_t length) {
                return (of(p).head_bytes_ += length + 4) > max_head_bytes ? -1 : 0;
            };
            s.on_header_value = [](http_parser* p, const char*, std::size_t length) {
                return (of(p).head_bytes_ += length) > max_head_bytes ? -1 : 0;
            };
            s.on_body = [](http_parser* p, const char* at, std::size_t length) {
                std::size_t body_bytes = of(p).current_.request.body.size();
                return of(p).add(of(p).current_.request.body, at, length, body_bytes, max_body_bytes);
            };
            s.on_message_complete = [](http_parser* p) {
                RequestReader& self = of(p);
                self.current_.request.method = http_method_str(static_cast<http_method>(p->method));
                self.current_.keep_alive = http_should_keep_alive(p) != 0;
                self.current_.http10 = p->http_major == 1 && p->http_minor == 0;
                self.done_.push_back(std::move(self.current_));
                return self.done_.size() < max_requests ? 0 : -1;
            };
            return s;
        }();
        return instance;
    }

    static int add(std::string& to, const char* at, std::size_t length, std::size_t& counted, std::size_t limit) {
        counted += length;
        if (counted > limit) return -1;
        to.append(at, length);
        return 0;
    }

    http_parser parser_{};
    ParsedRequest current_;
    std::size_t head_bytes_ = 0;
    std::vector<ParsedRequest> done_;
};

// The response read back by http_parser.
struct ReadBack {
    int messages = 0;
    unsigned status = 0;
    std::string body;
    std::vector<std::string> header_names;
};

ReadBack read_back(const std::string& text) {
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        s.on_header_field = [](http_parser* p, const char* at, std::size_t length) {
            static_cast<ReadBack*>(p->data)->header_names.emplace_back(at, length);
            return 0;
        };
        s.on_body = [](http_parser* p, const char* at, std::size_t length) {
            static_cast<ReadBack*>(p->data)->body.append(at, length);
            return 0;
        };
        s.on_message_complete = [](http_parser* p) {
            auto* out = static_cast<ReadBack*>(p->data);
            ++out->messages;
            out->status = p->status_code;
            return 0;
        };
        return s;
    }();
    ReadBack out;
    http_parser parser{};
    http_parser_init(&parser, HTTP_RESPONSE);
    parser.data = &out;
    const std::size_t parsed = http_parser_execute(&parser, &settings, text.data(), text.size());
    if (HTTP_PARSER_ERRNO(&parser) != HPE_OK || parsed != text.size())
        fail("http_parser cannot read the response back (" +
             std::string(http_errno_description(HTTP_PARSER_ERRNO(&parser))) + "):\n" + text);
    return out;
}

bool has_line_break_or_nul(std::string_view text) { return text.find_first_of(std::string_view("\r\n\0", 3)) != text.npos; }

void check_response(const ParsedRequest& asked, const azdns::ControlResponse& response) {
    const std::string what = asked.request.method + " " + asked.request.target;
    switch (response.status) {
        case 200: case 400: case 404: case 405: case 409: break;
        default: fail("status " + std::to_string(response.status) + " for " + what + ": " + response.body);
    }
    if (has_line_break_or_nul(response.content_type)) fail("a Content-Type with a line break for " + what);
    for (const auto& [name, value] : response.headers)
        if (has_line_break_or_nul(name) || has_line_break_or_nul(value)) fail("a header with a line break for " + what);

    const std::string text = azdns::serialize_response(response, asked.keep_alive, asked.http10);
    const ReadBack back = read_back(text);
    if (back.messages != 1) fail("the response to " + what + " reads back as " + std::to_string(back.messages) + " messages");
    if (back.status != static_cast<unsigned>(response.status) || back.body != response.body)
        fail("the response to " + what + " reads back with another status or body");

    if (response.content_type != "application/json") return;
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded()) fail("a JSON body that does not parse for " + what + ":\n" + response.body);
    if (response.status >= 400 && !(body.is_object() && body.contains("error") && body["error"].is_string()))
        fail("an error without {\"error\": \"...\"} for " + what + ":\n" + response.body);
    if (response.status == 405) {
        bool allow = false;
        for (const auto& name : back.header_names) allow = allow || name == "Allow";
        if (!allow) fail("a 405 without Allow for " + what);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    const auto requests = RequestReader().read(std::string_view(reinterpret_cast<const char*>(data), size));
    azdns::fuzz::Confinement confined(f.sandbox);
    f.lift_manual_fences();
    for (const ParsedRequest& asked : requests) check_response(asked, azdns::route(asked.request, f.backend));
    return 0;
}
