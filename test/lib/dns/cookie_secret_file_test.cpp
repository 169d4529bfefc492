// The cookie secret file: one or two secrets of 32 hex digits, comments and
// blank lines; every mistake named with its line and column.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "cookie_secret_file.hpp"
#include "temp_dir.hpp"

using namespace azdns;

namespace {

constexpr std::string_view first_hex = "00112233445566778899aabbccddeeff";
constexpr std::string_view second_hex = "FFEEDDCCBBAA99887766554433221100";
const CookieSecret first{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
const CookieSecret second{0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};

struct SecretFile {
    testing::TempDir scratch{"azdns-cookie-secret"};
    std::string path = (scratch.path / "cookie.secret").string();

    std::optional<CookieSecrets> read(const std::string& text, std::string& error) {
        std::ofstream(path, std::ios::binary) << text;
        return read_cookie_secrets(path, error);
    }
    // The error for `text`, without the path that starts it.
    std::string error_of(const std::string& text) {
        std::string error;
        if (read(text, error)) return "(read)";
        REQUIRE(error.rfind(path, 0) == 0);
        return error.substr(path.size());
    }
};

}  // namespace

TEST_SUITE("dns_cookie: the secret file") {
    TEST_CASE("one secret: the current one, no previous") {
        SecretFile file;
        std::string error;
        auto secrets = file.read(std::string(first_hex) + "\n", error);
        REQUIRE(secrets);
        CHECK(error.empty());
        CHECK(secrets->current == first);
        CHECK_FALSE(secrets->previous);
        // No newline at the end is as good.
        secrets = file.read(std::string(first_hex), error);
        REQUIRE(secrets);
        CHECK(secrets->current == first);
    }

    TEST_CASE("two secrets: the first is current, the second previous; either case of hex digits") {
        SecretFile file;
        std::string error;
        auto secrets = file.read(std::string(first_hex) + "\n" + std::string(second_hex) + "\n", error);
        REQUIRE(secrets);
        CHECK(secrets->current == first);
        REQUIRE(secrets->previous);
        CHECK(*secrets->previous == second);
    }

    TEST_CASE("comments, blank lines, blanks around a secret and CRLF line ends are ignored") {
        SecretFile file;
        std::string error;
        const std::string text = "# cookie secrets of the fleet\r\n"
                                 "\n"
                                 "   \t\n"
                                 "  " + std::string(first_hex) + "  # since 2024-06-01\r\n"
                                 "#" + std::string(second_hex) + "\n"
                                 "\t" + std::string(second_hex) + "\n"
                                 "# the end\n";
        auto secrets = file.read(text, error);
        INFO(error);
        REQUIRE(secrets);
        CHECK(secrets->current == first);
        REQUIRE(secrets->previous);
        CHECK(*secrets->previous == second);
    }

    TEST_CASE("each mistake with its line and column") {
        SecretFile file;
        const std::string ok(first_hex);
        CHECK(file.error_of(ok.substr(0, 31) + "\n") == ":1:1: a secret is 32 hex digits (16 bytes), not 31");
        CHECK(file.error_of("# c\n  " + ok + "0\n") == ":2:3: a secret is 32 hex digits (16 bytes), not 33");
        CHECK(file.error_of(ok.substr(0, 6) + "g" + ok.substr(7) + "\n") == ":1:7: 'g' is not a hex digit");
        CHECK(file.error_of(ok.substr(0, 16) + " " + ok.substr(16) + "\n") == ":1:17: ' ' is not a hex digit");
        CHECK(file.error_of("0x" + ok.substr(2) + "\n") == ":1:2: 'x' is not a hex digit");
        CHECK(file.error_of(ok + "\n" + std::string(1, '\0') + "\n") == ":2:1: byte 0x00 is not a hex digit");
        CHECK(file.error_of(ok + "\n" + std::string(second_hex) + "\n\n " + ok + "\n") ==
              ":4:2: a third secret: the file holds the current secret and at most one other");
        CHECK(file.error_of(ok + "\n" + std::string(32, '0') + "\n") == ":2:1: an all-zero secret is no secret");
    }

    TEST_CASE("no secret at all: empty, blank or only comments") {
        SecretFile file;
        const std::string no_secret = ": no secret: expected a line of 32 hex digits (16 bytes)";
        CHECK(file.error_of("") == no_secret);
        CHECK(file.error_of("\n \n") == no_secret);
        CHECK(file.error_of("# " + std::string(first_hex) + "\n") == no_secret);
    }

    TEST_CASE("a file larger than 4 KiB is refused, however it is padded") {
        SecretFile file;
        std::string text = std::string(first_hex) + "\n";
        text += std::string(4096 - text.size() - 1, '#') + "\n";
        std::string error;
        CHECK(file.read(text, error));  // exactly 4096 bytes
        CHECK(file.error_of(text + "\n") == ": larger than 4K");
    }

    TEST_CASE("a file that cannot be read, or is no regular file") {
        SecretFile file;
        std::string error;
        CHECK_FALSE(read_cookie_secrets(file.path, error));
        CHECK(error == file.path + ": No such file or directory");
        CHECK_FALSE(read_cookie_secrets(file.scratch.path.string(), error));
        CHECK(error == file.scratch.path.string() + ": not a regular file (a directory)");
    }
}
