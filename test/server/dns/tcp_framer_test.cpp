#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "tcp_framer.hpp"

using azdns::TcpFramer;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes message(std::size_t length, std::uint8_t fill) {
    Bytes bytes(length);
    for (std::size_t i = 0; i < length; ++i) bytes[i] = static_cast<std::uint8_t>(fill + i);
    return bytes;
}

void append_frame(Bytes& stream, const Bytes& body) {
    stream.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    stream.push_back(static_cast<std::uint8_t>(body.size() & 0xff));
    stream.insert(stream.end(), body.begin(), body.end());
}

// Feeds `stream` in pieces of the sizes `next_piece` returns, as a socket
// read would (never more than read_space offers), collecting every frame.
template <class NextPiece>
std::vector<Bytes> feed(TcpFramer& framer, const Bytes& stream, NextPiece next_piece, bool* zero_length = nullptr) {
    std::vector<Bytes> frames;
    std::size_t offset = 0;
    while (offset < stream.size()) {
        auto space = framer.read_space();
        REQUIRE(!space.empty());
        std::size_t piece = std::min({next_piece(), space.size(), stream.size() - offset});
        std::memcpy(space.data(), stream.data() + offset, piece);
        framer.commit(piece);
        offset += piece;
        for (;;) {
            std::span<const std::uint8_t> frame;
            auto next = framer.next(frame);
            if (next == TcpFramer::Next::incomplete) break;
            if (next == TcpFramer::Next::zero_length) {
                if (zero_length != nullptr) *zero_length = true;
                return frames;
            }
            frames.emplace_back(frame.begin(), frame.end());
        }
    }
    return frames;
}

}  // namespace

TEST_SUITE("server_tcp_framer") {

TEST_CASE("frames come out whole and in order whatever the split") {
    std::vector<Bytes> sent{message(1, 1), message(12, 2), message(300, 3), message(5000, 4), message(65535, 5),
                            message(29, 6)};
    Bytes stream;
    for (const auto& body : sent) append_frame(stream, body);

    for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{4096},
                              std::size_t{100000}}) {
        CAPTURE(piece);
        TcpFramer framer;
        CHECK(feed(framer, stream, [&] { return piece; }) == sent);
        CHECK(framer.buffered() == 0);
    }

    std::mt19937 random(42);
    for (int round = 0; round < 50; ++round) {
        TcpFramer framer;
        std::uniform_int_distribution<std::size_t> size(1, 9000);
        CHECK(feed(framer, stream, [&] { return size(random); }) == sent);
    }
}

TEST_CASE("a partial frame waits for the rest") {
    TcpFramer framer;
    Bytes stream;
    append_frame(stream, message(100, 9));
    auto space = framer.read_space();
    std::memcpy(space.data(), stream.data(), 50);
    framer.commit(50);
    std::span<const std::uint8_t> frame;
    CHECK(framer.next(frame) == TcpFramer::Next::incomplete);
    CHECK(framer.buffered() == 50);
    space = framer.read_space();
    std::memcpy(space.data(), stream.data() + 50, stream.size() - 50);
    framer.commit(stream.size() - 50);
    REQUIRE(framer.next(frame) == TcpFramer::Next::frame);
    CHECK(Bytes(frame.begin(), frame.end()) == message(100, 9));
}

TEST_CASE("a lone length byte is incomplete") {
    TcpFramer framer;
    framer.read_space()[0] = 0x01;
    framer.commit(1);
    std::span<const std::uint8_t> frame;
    CHECK(framer.next(frame) == TcpFramer::Next::incomplete);
}

TEST_CASE("a zero-length frame is reported after the frames before it") {
    Bytes stream;
    append_frame(stream, message(20, 1));
    stream.push_back(0);
    stream.push_back(0);
    append_frame(stream, message(20, 2));
    TcpFramer framer;
    bool zero = false;
    auto frames = feed(framer, stream, [] { return std::size_t{1000}; }, &zero);
    CHECK(zero);
    REQUIRE(frames.size() == 1);
    CHECK(frames[0] == message(20, 1));
}

TEST_CASE("the buffer holds one largest frame plus a read, and shrinks when drained") {
    Bytes stream;
    append_frame(stream, message(65535, 7));
    TcpFramer framer;
    auto frames = feed(framer, stream, [] { return std::size_t{1}; });
    REQUIRE(frames.size() == 1);
    CHECK(framer.capacity() <= 2 + TcpFramer::max_frame + TcpFramer::read_size);
    (void)framer.read_space();
    CHECK(framer.capacity() <= TcpFramer::read_size);
}

TEST_CASE("a stalled half frame costs only its own size") {
    TcpFramer framer;
    Bytes stream;
    append_frame(stream, message(200, 1));
    stream.resize(100);
    feed(framer, stream, [] { return std::size_t{10}; });
    CHECK(framer.buffered() == 100);
    CHECK(framer.capacity() <= TcpFramer::read_size);
}

}  // TEST_SUITE
