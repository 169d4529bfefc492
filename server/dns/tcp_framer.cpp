#include "tcp_framer.hpp"

#include <algorithm>
#include <cstring>

namespace azdns {

namespace {

// A buffer grown for a large frame is given back once drained.
constexpr std::size_t keep_when_idle = 16 * 1024;
// Less space than this is not worth a read system call.
constexpr std::size_t min_read = 512;

}  // namespace

std::span<std::uint8_t> TcpFramer::read_space() {
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (buffer_.size() > keep_when_idle) std::vector<std::uint8_t>().swap(buffer_);
    }
    // Grow only when the space left cannot take the rest of the current
    // frame (or a useful read); then make room for the frame and a read.
    std::size_t need = min_read;
    std::size_t want = read_size;
    std::size_t have = buffered();
    if (have >= 2) {
        std::size_t frame_total = 2 + (std::size_t{buffer_[begin_]} << 8 | buffer_[begin_ + 1]);
        if (frame_total > have) {
            need = std::max(need, frame_total - have);
            want = std::max(want, frame_total - have);
        }
    }
    if (buffer_.size() - end_ < need) {
        if (begin_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + begin_, have);
            begin_ = 0;
            end_ = have;
        }
        if (buffer_.size() - end_ < need) buffer_.resize(end_ + want);
    }
    return {buffer_.data() + end_, buffer_.size() - end_};
}

void TcpFramer::commit(std::size_t count) {
    end_ += std::min(count, buffer_.size() - end_);
}

TcpFramer::Next TcpFramer::next(std::span<const std::uint8_t>& frame) {
    std::size_t have = buffered();
    if (have < 2) return Next::incomplete;
    std::size_t length = std::size_t{buffer_[begin_]} << 8 | buffer_[begin_ + 1];
    if (length == 0) return Next::zero_length;
    if (have < 2 + length) return Next::incomplete;
    frame = {buffer_.data() + begin_ + 2, length};
    begin_ += 2 + length;
    return Next::frame;
}

}  // namespace azdns
