// Resource records as read from a master file: what the zone-file reader
// produces and the zone builder consumes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "dns_name.hpp"

namespace azdns {

// RFC 1035 section 3.2.1: RDLENGTH is 16 bits.
inline constexpr std::size_t max_rdata_size = 65535;

// One record. Its views point into whatever holds the bytes: the caller's
// strings when adding, the ZoneRecords when reading back.
struct ZoneRecord {
    std::string_view owner;   // wire form, canonical (lowercase)
    std::uint16_t type = 0;   // RR type code
    std::uint16_t rclass = 1; // IN
    std::uint32_t ttl = 0;
    std::string_view rdata;   // RDATA wire form as ldns renders it (names uncompressed, case kept)
    SourceLocation where;     // file and line of the record, column of its first character
};

// A zone file's records, kept compact: the whole file is read before the
// zone is built, and a string per owner and per RDATA (plus a path pointer
// per location) used to be most of the peak memory of a large load. Owners
// and RDATA share one byte arena; a record with the same owner as the one
// before it (zone files list a name's records together) reuses its bytes.
class ZoneRecords {
public:
    // Readers check sizes first: one past them here is a bug, and is thrown
    // rather than cut to the length's bits.
    void add(const ZoneRecord& record) {
        if (record.owner.size() > max_name_length || record.rdata.size() > max_rdata_size)
            throw std::length_error("a zone record's owner or RDATA is too large to keep");
        if (entries_.empty() || owner(entries_.size() - 1) != record.owner) {
            last_owner_ = bytes_.size();
            bytes_ += static_cast<char>(record.owner.size());
            bytes_ += record.owner;
        }
        std::uint64_t rdata_at = bytes_.size();
        bytes_ += static_cast<char>(record.rdata.size() >> 8);
        bytes_ += static_cast<char>(record.rdata.size());
        bytes_ += record.rdata;
        entries_.push_back({last_owner_, rdata_at, record.ttl, record.where.line, record.where.column,
                            file_index(record.where.file), record.type, record.rclass});
    }

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] bool empty() const { return entries_.empty(); }

    [[nodiscard]] std::string_view owner(std::size_t i) const {
        std::uint64_t at = entries_[i].owner;
        return std::string_view(bytes_).substr(at + 1, static_cast<std::uint8_t>(bytes_[at]));
    }
    [[nodiscard]] std::string_view rdata(std::size_t i) const {
        std::uint64_t at = entries_[i].rdata;
        std::size_t size = std::size_t{static_cast<std::uint8_t>(bytes_[at])} << 8 |
                           static_cast<std::uint8_t>(bytes_[at + 1]);
        return std::string_view(bytes_).substr(at + 2, size);
    }
    [[nodiscard]] std::uint16_t type(std::size_t i) const { return entries_[i].type; }
    [[nodiscard]] std::uint16_t rclass(std::size_t i) const { return entries_[i].rclass; }
    [[nodiscard]] std::uint32_t ttl(std::size_t i) const { return entries_[i].ttl; }
    [[nodiscard]] SourceLocation where(std::size_t i) const {
        const Entry& e = entries_[i];
        return {files_[e.file], e.line, e.column};
    }
    [[nodiscard]] ZoneRecord operator[](std::size_t i) const {
        return {owner(i), type(i), rclass(i), ttl(i), rdata(i), where(i)};
    }

    // The files the read went through, the top one first, then each $INCLUDE
    // in the order read, once each (a reload watches them). Kept apart from
    // the records' files: a file may hold only directives, or fail half-way.
    void add_file_read(const std::string& path) {
        if (std::find(files_read_.begin(), files_read_.end(), path) == files_read_.end()) files_read_.push_back(path);
    }
    [[nodiscard]] const std::vector<std::string>& files_read() const { return files_read_; }

private:
    struct Entry {
        std::uint64_t owner;  // offsets into bytes_ of the length-prefixed bytes
        std::uint64_t rdata;
        std::uint32_t ttl;
        std::uint32_t line;
        std::uint32_t column;
        std::uint32_t file;  // index into files_
        std::uint16_t type;
        std::uint16_t rclass;
    };

    // Records come file by file, so the last file is nearly always the one.
    std::uint32_t file_index(const FileName& file) {
        for (std::size_t i = files_.size(); i-- > 0;) {
            if (files_[i].str() == file.str()) return static_cast<std::uint32_t>(i);
        }
        files_.push_back(file);
        return static_cast<std::uint32_t>(files_.size() - 1);
    }

    std::string bytes_;
    std::vector<Entry> entries_;
    std::vector<FileName> files_;
    std::uint64_t last_owner_ = 0;
    std::vector<std::string> files_read_;
};

}  // namespace azdns
