// Socket addresses to and from IpAddress and port.
#include "socket_address.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>

#include <cstring>

using namespace azdns;

namespace {

IpAddress ip(const char* text) {
    auto address = IpAddress::parse(text);
    REQUIRE(address);
    return *address;
}

}  // namespace

TEST_SUITE("socket_address") {
    TEST_CASE("from_sockaddr reads back what to_sockaddr wrote, both families") {
        for (const char* text : {"192.0.2.7", "2001:db8::53", "::ffff:192.0.2.7"}) {
            CAPTURE(text);
            sockaddr_storage storage;
            (void)to_sockaddr(ip(text), 40053, storage);
            IpAddress address = ip("198.51.100.1");  // overwritten
            std::uint16_t port = 1;
            REQUIRE(from_sockaddr(storage, address, port));
            CHECK(address == ip(text));
            CHECK(address.to_string() == ip(text).to_string());
            CHECK(port == 40053);
        }
    }

    TEST_CASE("from_sockaddr takes the kernel's byte order") {
        sockaddr_storage storage{};
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(5353);
        in->sin_addr.s_addr = htonl(0xC0000201);  // 192.0.2.1
        IpAddress address = ip("2001:db8::1");    // a v6 leftover must not survive
        std::uint16_t port = 0;
        REQUIRE(from_sockaddr(storage, address, port));
        CHECK(address == ip("192.0.2.1"));
        CHECK(port == 5353);
    }

    TEST_CASE("from_sockaddr refuses other families") {
        sockaddr_storage storage{};
        storage.ss_family = AF_UNIX;
        IpAddress address;
        std::uint16_t port = 0;
        CHECK_FALSE(from_sockaddr(storage, address, port));
    }

    TEST_CASE("a SocketAddress is written as the config writes it: IPv6 in brackets") {
        CHECK(SocketAddress{ip("192.0.2.53"), 53}.to_string() == "192.0.2.53:53");
        CHECK(SocketAddress{ip("2001:db8::53"), 5300}.to_string() == "[2001:db8::53]:5300");
    }
}
