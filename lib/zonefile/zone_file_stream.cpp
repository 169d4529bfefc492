#include "zone_file_stream.hpp"

#include <unistd.h>

#include <cerrno>

namespace azdns {

namespace {

// Large reads, so the limits are checked once per 64 KiB, not per line.
constexpr std::size_t stream_buffer = 64 * 1024;

}  // namespace

ZoneFileStream::ZoneFileStream(const std::string& path, std::uint64_t& bytes_left, const LoadStop& stop)
    : file_(open_regular_file(path)), bytes_left_(bytes_left), stop_(stop) {
    if (!file_.error.empty()) {
        status_ = Status::cannot_open;
        return;
    }
    if (file_.size > bytes_left_) {
        status_ = Status::over_size;
        return;
    }
    // A stream whose reads go through read() below: the tokenizer keeps its
    // getline(3) speed, and the limits sit under it.
    stream_ = ::fopencookie(this, "r", {.read = &ZoneFileStream::read, .write = nullptr, .seek = nullptr,
                                        .close = nullptr});
    if (stream_ == nullptr) {
        file_.error = "cannot make a stream";
        status_ = Status::cannot_open;
        return;
    }
    std::setvbuf(stream_, nullptr, _IOFBF, stream_buffer);
}

ZoneFileStream::~ZoneFileStream() {
    if (stream_ != nullptr) std::fclose(stream_);
}

// 0 (the end) once a limit is met: the reader then sees status() and says why.
ssize_t ZoneFileStream::read(void* cookie, char* buffer, std::size_t size) {
    auto* self = static_cast<ZoneFileStream*>(cookie);
    if (self->status_ != Status::reading) return 0;
    if (self->stop_.due()) {
        self->status_ = Status::stopped;
        return 0;
    }
    // One byte past the budget tells a file that grew from one that ends there.
    const std::size_t wanted = self->bytes_left_ < size ? static_cast<std::size_t>(self->bytes_left_) + 1 : size;
    ssize_t got = 0;
    do {
        got = ::read(self->file_.fd.get(), buffer, wanted);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return -1;  // errno says why; the tokenizer reports it
    if (static_cast<std::uint64_t>(got) > self->bytes_left_) {
        self->status_ = Status::over_size;
        return 0;
    }
    self->bytes_left_ -= static_cast<std::uint64_t>(got);
    return got;
}

}  // namespace azdns
