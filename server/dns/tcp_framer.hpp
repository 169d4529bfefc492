// DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message is preceded
// by its length as two bytes, network order. Bytes arrive in arbitrary
// splits; the framer buffers them and hands out whole messages.
//
// Reads go straight into the framer's buffer (read_space/commit), so a frame
// is never copied before it is answered. The buffer grows to hold at most one
// frame plus one read, and shrinks again when a connection goes quiet, so a
// client that sends half a frame and stalls costs only that buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace azdns {

class TcpFramer {
public:
    static constexpr std::size_t max_frame = 65535;
    static constexpr std::size_t read_size = 4096;  // the least space offered to a read

    enum class Next : std::uint8_t {
        frame,        // `frame` holds the next message
        incomplete,   // need more bytes
        zero_length,  // a zero-length frame: the client is broken, close
    };

    // Where the next read may write; never empty. Invalidates frames handed out before.
    [[nodiscard]] std::span<std::uint8_t> read_space();
    // `count` bytes were written at the start of the last read_space().
    void commit(std::size_t count);

    // The next whole message, if any. Its bytes stay valid until read_space().
    [[nodiscard]] Next next(std::span<const std::uint8_t>& frame);

    [[nodiscard]] std::size_t buffered() const { return end_ - begin_; }
    // The bytes received and not yet handed out as frames.
    [[nodiscard]] std::span<const std::uint8_t> unconsumed() const { return {buffer_.data() + begin_, buffered()}; }
    [[nodiscard]] std::size_t capacity() const { return buffer_.size(); }

private:
    std::vector<std::uint8_t> buffer_;
    std::size_t begin_ = 0;  // first unconsumed byte
    std::size_t end_ = 0;    // one past the last received byte
};

}  // namespace azdns
