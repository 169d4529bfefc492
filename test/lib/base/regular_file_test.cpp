// Reading what an operator hands azdns: only regular files, never waiting on
// a FIFO, never past a size; and the sizes the config writes with a unit.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "byte_size.hpp"
#include "regular_file.hpp"
#include "temp_dir.hpp"

using namespace azdns;

TEST_CASE("a regular file is read whole, up to its limit") {
    testing::TempDir scratch("azdns-regular-file");
    const auto path = scratch.path / "state.json";
    std::ofstream(path) << "0123456789";
    FileContent whole = read_regular_file(path.string(), 10);
    CHECK(whole.text == "0123456789");
    CHECK(whole.error.empty());
    FileContent over = read_regular_file(path.string(), 9);
    CHECK(over.error == "larger than 9B");
    CHECK(over.too_large);
    CHECK(over.text.empty());
    REQUIRE(symlink("state.json", (scratch.path / "link.json").c_str()) == 0);
    CHECK(read_regular_file((scratch.path / "link.json").string(), 10).text == "0123456789");
}

TEST_CASE("a FIFO is refused without waiting for a writer; devices, folders and sockets too") {
    testing::TempDir scratch("azdns-regular-file");
    const auto fifo = scratch.path / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(open_regular_file(fifo.string()).error == "not a regular file (a FIFO)");
    CHECK(open_regular_file("/dev/zero").error == "not a regular file (a character device)");
    CHECK(open_regular_file(scratch.path.string()).error == "not a regular file (a directory)");
    REQUIRE(symlink("/dev/zero", (scratch.path / "zero").c_str()) == 0);
    FileContent zero = read_regular_file((scratch.path / "zero").string(), 1 << 20);
    CHECK(zero.error == "not a regular file (a character device)");
    CHECK_FALSE(zero.too_large);
    CHECK(open_regular_file((scratch.path / "missing").string()).error == "No such file or directory");
}

// /proc files say they hold 0 bytes, then give more: a file that grows.
TEST_CASE("the limit holds while reading, for a file that grows after it was opened") {
    REQUIRE(std::filesystem::file_size("/proc/self/maps") == 0);
    FileContent maps = read_regular_file("/proc/self/maps", 100);
    CHECK(maps.error == "larger than 100B");
    CHECK(maps.too_large);
}

TEST_CASE("sizes carry a unit; K, M and G are powers of 1024") {
    CHECK(parse_byte_size("100B") == 100u);
    CHECK(parse_byte_size("64K") == 64u * 1024);
    CHECK(parse_byte_size("64KiB") == 64u * 1024);
    CHECK(parse_byte_size("512M") == 512u << 20);
    CHECK(parse_byte_size("1G") == std::uint64_t{1} << 30);
    CHECK(parse_byte_size("2GiB") == std::uint64_t{2} << 30);
    CHECK(parse_byte_size("0B") == 0u);
    for (const char* bad : {"", "1", "G", "1.5G", "-1G", "1 G", "1g", "1GB", "1KB", "1T", "17179869184G",
                            "99999999999999999999B"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_byte_size(bad).has_value());
    }
    CHECK(byte_size_text(std::uint64_t{1} << 30) == "1G");
    CHECK(byte_size_text(1536u << 20) == "1536M");
    CHECK(byte_size_text(1024) == "1K");
    CHECK(byte_size_text(1000) == "1000B");
    CHECK(byte_size_text(0) == "0B");
}
