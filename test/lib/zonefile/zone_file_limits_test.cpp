// What the reader refuses to read, so that no file can hang or exhaust a
// load (spec: "Reload"): anything but a regular file, more bytes than the
// zone may hold (also when a file grows while read), and reading on once the
// load must stop. Each is reported at the place that named the file.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "dns_name.hpp"
#include "temp_dir.hpp"
#include "zone_file.hpp"

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

}  // namespace

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
