// `dns` check: one UDP query for the check's name and type (random ID, RD=0);
// up when an answer with that ID and question has RCODE NOERROR (TC=1 too:
// the server answered). The socket is connected, so the kernel drops
// datagrams from other sources and reports ICMP port unreachable. Replies that
// do not match (wrong ID or question, malformed) are ignored until the
// timeout: they may be late answers to an earlier probe or spoofed, and
// neither says anything about this server.
#include <array>
#include <cstring>

#include "ascii.hpp"
#include "probe.hpp"
#include "probe_errors.hpp"
#include "probe_runner.hpp"
#include "socket_address.hpp"

namespace azdns {
namespace {

constexpr std::uint16_t class_in = 1;

bool same_name(const unsigned char* wire, std::size_t size, std::size_t& at, const std::string& name) {
    // Compare label by label, ASCII case-insensitively; no compression in a question.
    if (size - at < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (ascii_lower(wire[at + i]) != ascii_lower(static_cast<unsigned char>(name[i]))) return false;
    }
    at += name.size();
    return true;
}

class DnsProbe final : public Probe {
public:
    DnsProbe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener)
        : Probe(context, listener, target.check.timeout), target_(target) {}

    void start() override {
        if (int rc = uv_udp_init(context_.loop, &socket_); rc != 0) return fail_uv(rc);
        adopt(reinterpret_cast<uv_handle_t*>(&socket_));
        if (target_.source) {
            sockaddr_storage source;
            to_sockaddr(*target_.source, 0, source);
            if (int rc = uv_udp_bind(&socket_, reinterpret_cast<sockaddr*>(&source), 0); rc != 0)
                return fail(probe_error::source_unusable(target_.source->to_string(), rc));
        }
        sockaddr_storage address;
        to_sockaddr(target_.id.address, target_.check.port, address);
        if (int rc = uv_udp_connect(&socket_, reinterpret_cast<sockaddr*>(&address)); rc != 0)
            return fail_uv(rc);
        if (int rc = uv_udp_recv_start(&socket_, on_alloc, on_receive); rc != 0) return fail_uv(rc);
        id_ = static_cast<std::uint16_t>((*context_.random)());
        build_query();
        uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(query_.data()),
                                   static_cast<unsigned>(query_.size()));
        if (int rc = uv_udp_try_send(&socket_, &buf, 1, nullptr); rc < 0) fail_uv(rc);
    }

private:
    void build_query() {
        const CheckConfig& check = target_.check;
        query_ = {static_cast<unsigned char>(id_ >> 8), static_cast<unsigned char>(id_), 0, 0,
                  0, 1, 0, 0, 0, 0, 0, 0};
        query_.insert(query_.end(), check.query_name.begin(), check.query_name.end());
        query_.push_back(static_cast<unsigned char>(check.query_type >> 8));
        query_.push_back(static_cast<unsigned char>(check.query_type));
        query_.push_back(0);
        query_.push_back(class_in);
    }

    // True when `wire` answers our query: same ID, QR=1, the same question.
    [[nodiscard]] bool matches(const unsigned char* wire, std::size_t size) const {
        if (size < 12) return false;
        if (((wire[0] << 8) | wire[1]) != id_ || (wire[2] & 0x80) == 0) return false;
        if (wire[4] != 0 || wire[5] != 1) return false;
        std::size_t at = 12;
        const CheckConfig& check = target_.check;
        if (!same_name(wire, size, at, check.query_name) || size - at < 4) return false;
        return ((wire[at] << 8) | wire[at + 1]) == check.query_type &&
               ((wire[at + 2] << 8) | wire[at + 3]) == class_in;
    }

    static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        std::vector<char>& shared = static_cast<DnsProbe*>(handle->data)->context_.read_buffer;
        *buf = uv_buf_init(shared.data(), static_cast<unsigned>(shared.size()));
    }

    static void on_receive(uv_udp_t* socket, ssize_t nread, const uv_buf_t* buf, const sockaddr*,
                           unsigned flags) {
        auto* self = static_cast<DnsProbe*>(socket->data);
        if (self->done()) return;
        if (nread == UV_ECONNREFUSED) return self->fail(probe_error::port_unreachable);
        if (nread < 0) return self->fail_uv(static_cast<int>(nread));
        if ((flags & UV_UDP_PARTIAL) != 0) return;  // larger than any answer we would judge
        const auto* wire = reinterpret_cast<const unsigned char*>(buf->base);
        if (!self->matches(wire, static_cast<std::size_t>(nread))) return;
        unsigned rcode = wire[3] & 0x0f;
        if (rcode == 0) self->succeed();
        else self->fail(probe_error::dns_rcode(rcode));
    }

    const ProbeTarget& target_;  // as in StreamProbe: read only while !done()
    uv_udp_t socket_{};
    std::uint16_t id_ = 0;
    std::vector<unsigned char> query_;
};

}  // namespace

Probe* make_dns_probe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener) {
    return new DnsProbe(context, target, listener);
}

}  // namespace azdns
