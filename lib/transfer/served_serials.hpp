// The serial a zone's filtered view goes out with (docs/transfers.md,
// "Serials"). The filtered view changes with health as well as with the
// files, so it cannot keep the file's serial: a secondary would never see a
// verdict. The rule:
// - the first time a zone is seen, its filtered serial is the file's serial;
// - each time the filtered content changes (a verdict, an edit; a serial
//   bump in the file counts as an edit), it becomes the old one plus 1, or
//   the file's serial when that is newer (RFC 1982), so an operator's bump
//   is followed;
// - content that did not change keeps its serial, across restarts too.
// "Changed" is judged by a digest of the content that does not depend on
// record order, kept with the serial in state_dir: a restart that serves the
// same content serves the same serial, and one that does not moves on.
// Pure: the runtime loads and saves the text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace azdns {

struct ServedSerial {
    std::uint32_t serial = 0;
    std::uint64_t digest = 0;  // of the filtered content, the file's serial included
    bool operator==(const ServedSerial&) const = default;
};

class SerialBook {
public:
    // By origin (canonical wire form).
    using Entries = std::map<std::string, ServedSerial>;

    SerialBook() = default;
    explicit SerialBook(Entries saved) : entries_(std::move(saved)) {}

    // The serial for `origin` now that its filtered content has `digest`.
    std::uint32_t serial_for(const std::string& origin, std::uint32_t file_serial, std::uint64_t digest);

    [[nodiscard]] const Entries& entries() const { return entries_; }
    // Bumped by every serial_for() that changed an entry: the runtime saves when it moved.
    [[nodiscard]] std::uint64_t version() const { return version_; }

private:
    Entries entries_;
    std::uint64_t version_ = 0;
};

// state_dir/transfer-serials.json, and back. decode gives nullopt and `why`
// for anything but the document encode writes.
[[nodiscard]] std::string encode_serials(const SerialBook::Entries& entries);
[[nodiscard]] std::optional<SerialBook::Entries> decode_serials(const std::string& text, std::string& why);

}  // namespace azdns
