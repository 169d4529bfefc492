// What the reader refuses to read, so that no file can hang or exhaust a
// load (spec: "Reload"): anything but a regular file, more bytes than the
// zone may hold (also when a file grows while read), and reading on once the
// load must stop. Each is reported at the place that named the file.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dns_name.hpp"
#include "temp_dir.hpp"
#include "zone_file.hpp"
#include "zone_file_tokenizer.hpp"

using namespace azdns;

namespace {

const SourceLocation named_at{"azdns.toml", 7, 8};

struct Read {
    ZoneRecords records;
    std::string messages;  // one diagnostic per line
};

Read read(const std::filesystem::path& path, const ZoneLoadLimits& limits = {}) {
    Diagnostics diags;
    Read out;
    out.records = read_zone_file(path.string(), *name_from_text("example.com."), named_at, diags, limits);
    for (const auto& diag : diags.all()) out.messages += diag.to_string() + "\n";
    return out;
}

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

// `count` A records, one a line.
std::string hosts(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) text += "h" + std::to_string(i) + " 60 IN A 192.0.2.1\n";
    return text;
}

// A line of exactly `size` bytes: `record`, padded with a comment.
std::string padded(const std::string& record, std::size_t size) {
    std::string line = record + " ;";
    line.append(size - line.size(), 'c');
    return line;
}

const std::string too_long =
    ": record text longer than 131072 bytes (azdns reads at most 65534 characters of RDATA)\n";

// The peak memory, in KiB, that reading `path` adds, measured in a child
// process: its peak starts at what is mapped now, not at the highest this
// test process ever reached. -1 when the child fails.
long read_peak_growth_kib(const std::filesystem::path& path, std::size_t expected_records) {
    const pid_t child = fork();
    if (child == 0) {
        rusage before{}, after{};
        getrusage(RUSAGE_SELF, &before);
        Diagnostics diags;
        auto records = read_zone_file(path.string(), *name_from_text("example.com."), named_at, diags);
        getrusage(RUSAGE_SELF, &after);
        const bool read_as_expected = records.size() == expected_records && diags.error_count() == 2;
        const long growth = after.ru_maxrss - before.ru_maxrss;  // KiB
        _exit(read_as_expected ? static_cast<int>(std::min<long>(growth / 1024, 250)) : 255);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
        return -1;
    return static_cast<long>(WEXITSTATUS(status)) * 1024;
}

}  // namespace

TEST_CASE("an entry of at most 131072 bytes is read; one byte more is refused at its start, and reading goes on") {
    REQUIRE(max_entry_text == 131072);
    testing::TempDir scratch("azdns-zone-limits");
    const auto path = scratch.path / "long.zone";
    // Line ends do not count: "b"'s three lines are 13 + N + 1 bytes.
    write(path, padded("a 60 IN TXT \"x\"", max_entry_text) + "\n" +                     // 1: the limit
                    padded("c 60 IN TXT \"x\"", max_entry_text + 1) + "\n" +             // 2: one more
                    "b 60 IN TXT (\n" + padded("\"y\"", max_entry_text - 14) + "\n)\n" +  // 3-5: the limit
                    "d 60 IN TXT (\n" + padded("\"z\"", max_entry_text - 13) + "\n)\n" +  // 6-8: one more
                    "e 60 IN A 192.0.2.1\n");
    auto zone = read(path);
    CHECK(zone.messages == path.string() + ":2:1" + too_long + path.string() + ":6:1" + too_long);
    REQUIRE(zone.records.size() == 3);
    CHECK(zone.records.owner(0) == *name_from_text("a.example.com."));
    CHECK(zone.records.owner(1) == *name_from_text("b.example.com."));
    CHECK(zone.records.owner(2) == *name_from_text("e.example.com."));
}

TEST_CASE("a 64 MiB entry, one line or in parentheses, is refused without holding it") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto path = scratch.path / "huge.zone";
    {
        std::ofstream out(path);
        std::string piece;  // written in pieces: the test itself holds 1 MiB
        for (int i = 0; i < (1 << 19); ++i) piece += "a ";
        out << "  one 60 IN TXT ( ";  // blanks first: the entry starts at column 3
        for (int i = 0; i < 64; ++i) out << piece;
        out << ")\nok1 60 IN A 192.0.2.1\nmany 60 IN TXT (\n";
        for (int i = 0; i < 64 * 1024; ++i) out << piece.substr(0, 1023) << '\n';
        out << ")\nok2 60 IN A 192.0.2.2\n";
    }
    REQUIRE(std::filesystem::file_size(path) > std::uint64_t{128} << 20);
    Diagnostics diags;
    auto records = read_zone_file(path.string(), *name_from_text("example.com."), named_at, diags);
    REQUIRE(diags.all().size() == 2);
    CHECK(diags.all()[0].to_string() + "\n" == path.string() + ":1:3" + too_long);
    CHECK(diags.all()[1].to_string() + "\n" == path.string() + ":3:1" + too_long);
    REQUIRE(records.size() == 2);  // the records after each are read
    CHECK(records.owner(1) == *name_from_text("ok2.example.com."));

    const long growth = read_peak_growth_kib(path, 2);
    REQUIRE(growth >= 0);
    CHECK(growth < 32 * 1024);
}

TEST_CASE("max_records: exactly the limit is read; the record past it is an error there, and reading stops") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto top = scratch.path / "top.zone";
    const ZoneLoadLimits five{.max_bytes = default_max_zone_size, .stop = {}, .max_records = 5};
    write(top, hosts(5));
    auto fits = read(top, five);
    CHECK(fits.messages == "");
    CHECK(fits.records.size() == 5);

    // The sixth record is in an $INCLUDE; a bad line after it would be an error if it were read.
    write(top, hosts(3) + "$INCLUDE part.zone\n" + hosts(1));
    write(scratch.path / "part.zone", hosts(3) + "bad !!\n");
    auto over = read(top, five);
    CHECK(over.messages == (scratch.path / "part.zone").string() +
                               ":3:1: zone has more than 5 records (server.max_zone_records)\n");
    CHECK(over.records.size() == 5);
}

TEST_CASE("only regular files are read: a FIFO, a device or a folder is refused where it was named") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto fifo = scratch.path / "pipe";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    std::filesystem::create_directory(scratch.path / "folder");
    CHECK(read(fifo).messages ==
          "azdns.toml:7:8: cannot open \"" + fifo.string() + "\": not a regular file (a FIFO)\n");

    const auto top = scratch.path / "top.zone";
    write(top, "$INCLUDE pipe\n$INCLUDE /dev/zero\n$INCLUDE folder\nwww 60 A 192.0.2.1\n");
    auto zone = read(top);
    const std::string at = top.string() + ":";
    CHECK(zone.messages == at + "1:10: cannot open \"" + fifo.string() + "\": not a regular file (a FIFO)\n" + at +
                               "2:10: cannot open \"/dev/zero\": not a regular file (a character device)\n" + at +
                               "3:10: cannot open \"" + (scratch.path / "folder").string() +
                               "\": not a regular file (a directory)\n");
    CHECK(zone.records.size() == 1);  // the rest of the file is still read
}

TEST_CASE("max_bytes counts a zone's file and its $INCLUDEs together; exactly the limit fits") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto top = scratch.path / "top.zone";
    const std::string include = "$INCLUDE part.zone\n";
    write(top, hosts(4) + include);
    write(scratch.path / "part.zone", hosts(4));
    const std::uint64_t total =
        std::filesystem::file_size(top) + std::filesystem::file_size(scratch.path / "part.zone");

    auto fits = read(top, {total, {}});
    CHECK(fits.messages == "");
    CHECK(fits.records.size() == 8);

    auto over = read(top, {total - 1, {}});
    CHECK(over.messages == top.string() + ":5:10: \"" + (scratch.path / "part.zone").string() +
                               "\" takes the zone's files past server.max_zone_size (" +
                               std::to_string(total - 1) + "B)\n");
    CHECK(over.records.size() == 4);
}

// A file in /proc says it is 0 bytes long and then gives kilobytes: the
// same as a file that grows after it was opened.
TEST_CASE("a file that grows past max_bytes while it is read is cut there, and said so once") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto top = scratch.path / "top.zone";
    write(top, "www 60 A 192.0.2.1\n$INCLUDE /proc/self/maps\nafter 60 A 192.0.2.2\n");
    REQUIRE(std::filesystem::file_size("/proc/self/maps") == 0);
    auto zone = read(top, {1024, {}});
    const std::string cut =
        top.string() + ":2:10: \"/proc/self/maps\" takes the zone's files past server.max_zone_size (1K)\n";
    // The maps lines read before the cut are no records: errors of their own, then the cut.
    CHECK(zone.messages.size() >= cut.size());
    CHECK(zone.messages.substr(zone.messages.size() - cut.size()) == cut);
    CHECK(zone.records.size() == 1);  // nothing after the cut, in any file
}

TEST_CASE("a load that must stop ends at its next read, and says so at the file") {
    testing::TempDir scratch("azdns-zone-limits");
    const auto top = scratch.path / "top.zone";
    write(top, hosts(10));
    std::stop_source shutdown;
    shutdown.request_stop();
    auto stopped =
        read(top, {default_max_zone_size, LoadStop(LoadStop::Clock::time_point::max(), shutdown.get_token())});
    CHECK(stopped.messages == "azdns.toml:7:8: stopped reading \"" + top.string() + "\": the load was abandoned\n");
    CHECK(stopped.records.size() == 0);

    // A deadline already passed stops it the same way.
    auto late = read(top, {default_max_zone_size, LoadStop(LoadStop::Clock::now(), std::stop_token{})});
    CHECK(late.messages == stopped.messages);
}
