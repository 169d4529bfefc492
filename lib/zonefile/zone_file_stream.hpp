// One file of a zone (its own or an $INCLUDE) as a stdio stream for the
// tokenizer, read under the zone's limits: only a regular file opens (see
// regular_file.hpp), every byte read counts against the bytes the zone has
// left, and a load that must stop (LoadStop) ends at the next read. Either
// way the stream then ends early, and says why.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "load_limits.hpp"
#include "regular_file.hpp"

namespace azdns {

class ZoneFileStream {
public:
    enum class Status { reading, cannot_open, over_size, stopped };

    // `bytes_left` is the zone's budget, shared by its files; it must
    // outlive the stream, as must `stop`.
    ZoneFileStream(const std::string& path, std::uint64_t& bytes_left, const LoadStop& stop);
    ~ZoneFileStream();
    ZoneFileStream(const ZoneFileStream&) = delete;
    ZoneFileStream& operator=(const ZoneFileStream&) = delete;

    // Null unless status() was `reading` once opened (a file already larger
    // than the bytes left is `over_size` at once).
    [[nodiscard]] std::FILE* file() const { return stream_; }
    // `reading` while all is well, also at the file's real end.
    [[nodiscard]] Status status() const { return status_; }
    // Why it could not be opened (status `cannot_open`).
    [[nodiscard]] const std::string& open_error() const { return file_.error; }
    [[nodiscard]] std::uint64_t device() const { return file_.device; }
    [[nodiscard]] std::uint64_t inode() const { return file_.inode; }

private:
    static ssize_t read(void* cookie, char* buffer, std::size_t size);

    RegularFile file_;
    std::uint64_t& bytes_left_;
    const LoadStop& stop_;
    Status status_ = Status::reading;
    std::FILE* stream_ = nullptr;
};

}  // namespace azdns
