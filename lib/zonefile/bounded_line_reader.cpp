#include "bounded_line_reader.hpp"

#include <cstring>

namespace azdns {

namespace {

// As large as the zone file stream's reads, so each read is one of those.
constexpr std::size_t read_size = 64 * 1024;

}  // namespace

BoundedLineReader::BoundedLineReader(std::FILE* file, std::size_t max_line)
    : file_(file), max_kept_(max_line + 1), buffer_(read_size) {}

bool BoundedLineReader::fill() {
    begin_ = 0;
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    return end_ > 0;
}

bool BoundedLineReader::next(std::string_view& line) {
    if (cut_) skip_rest({});
    joined_.clear();
    bool any = false;
    for (;;) {
        if (begin_ == end_ && !fill()) {
            line = joined_;  // the last line, without a '\n'
            return any;
        }
        any = true;
        const char* start = buffer_.data() + begin_;
        const std::size_t available = end_ - begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', available));
        const std::size_t length = newline != nullptr ? static_cast<std::size_t>(newline - start) : available;
        const std::size_t room = max_kept_ - joined_.size();
        if (length > room) {
            joined_.append(start, room);
            begin_ += room;
            cut_ = true;
            line = joined_;
            return true;
        }
        if (newline != nullptr && joined_.empty()) {  // the common case: no copy
            line = std::string_view(start, length);
            begin_ += length + 1;
            return true;
        }
        joined_.append(start, length);
        begin_ += length + (newline != nullptr ? 1 : 0);
        if (newline != nullptr) {
            line = joined_;
            return true;
        }
    }
}

void BoundedLineReader::skip_rest(const std::function<void(std::string_view)>& each) {
    while (cut_) {
        if (begin_ == end_ && !fill()) break;
        const char* start = buffer_.data() + begin_;
        const std::size_t available = end_ - begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', available));
        const std::size_t length = newline != nullptr ? static_cast<std::size_t>(newline - start) : available;
        if (each) each(std::string_view(start, length));
        begin_ += length;
        if (newline != nullptr) {
            ++begin_;
            break;
        }
    }
    cut_ = false;
}

}  // namespace azdns
