// The text log (server/log): one event, one line, whatever the message holds.
#include <doctest/doctest.h>

#include <string>

#include "log.hpp"

TEST_CASE("a text log line escapes control characters, so that no message starts a line of its own") {
    CHECK(azdns::text_log_line("peer ns2 unreachable") == "azdns: peer ns2 unreachable\n");
    CHECK(azdns::text_log_line("HTTP 500: ok\nazdns: AZ a restored\r\x7f") ==
          "azdns: HTTP 500: ok\\x0aazdns: AZ a restored\\x0d\\x7f\n");
    CHECK(azdns::text_log_line("caf\xc3\xa9\tx") == "azdns: caf\xc3\xa9\tx\n");  // UTF-8 and tabs stay
}

TEST_CASE("a message past 4,096 bytes is cut there, and says how much more it had") {
    const std::string at_limit(azdns::max_log_message, 'a');
    CHECK(azdns::text_log_line(at_limit) == "azdns: " + at_limit + "\n");
    CHECK(azdns::text_log_line(at_limit + std::string(5904, 'b')) ==
          "azdns: " + at_limit + " ... (5904 bytes more)\n");
}
