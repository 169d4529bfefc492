// libFuzzer target for the fleet's exchange document (docs/fleet.md, "The
// exchange document"): the input is the body of a peer's POST
// /v1/fleet/state, or of the reply to one. It goes through
// decode_fleet_report() for a config of 64 endpoints and 8 AZs, and through
// decode_report_key(). Aborts when:
//   - a decoder throws (libFuzzer reports the uncaught exception);
//   - a report that decoded, encoded again, is refused by the decoder, does
//     not encode to the same text a second time (the codec loses or
//     invents something), or is larger than fleet_report_size_limit();
//   - a reply key that decoded does not survive encoding and decoding.
// Sanitizers (ASan, UBSan) catch the rest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fleet_report.hpp"
#include "fuzz_support.hpp"

namespace {

using azdns::fuzz::fail;

constexpr std::size_t max_endpoints = 64;
constexpr std::size_t max_azs = 8;

void check_report(std::string_view body) {
    std::string error;
    const auto report = azdns::decode_fleet_report(body, max_endpoints, max_azs, error);
    if (!report) {
        if (error.empty()) fail("a report was refused without an error");
        if (error.find('\n') != std::string::npos) fail("an error is more than one line: " + error);
        return;
    }
    const std::string text = azdns::encode_fleet_report(*report);
    if (text.size() > azdns::fleet_report_size_limit(max_endpoints, max_azs))
        fail("an encoded report is larger than the size limit: " + std::to_string(text.size()) + " bytes");
    const auto again = azdns::decode_fleet_report(text, max_endpoints, max_azs, error);
    if (!again) fail("a report the decoder accepted, once encoded, is refused: " + error + "\n" + text);
    const std::string text_again = azdns::encode_fleet_report(*again);
    if (text_again != text) fail("a report encodes differently after a round trip:\n" + text + "\n" + text_again);
}

void check_key(std::string_view body) {
    std::string error;
    const auto key = azdns::decode_report_key(body, error);
    if (!key) {
        if (error.empty()) fail("a reply was refused without an error");
        return;
    }
    const auto again = azdns::decode_report_key(azdns::encode_report_key("ns2", *key), error);
    if (!again || !(*again == *key)) fail("a reply key does not survive a round trip: " + error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    check_report(body);
    check_key(body);
    return 0;
}
